package dev.aviary.shadow;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One stored request to replay: either a whole request body in the protocol's own envelope (e.g. {@code
 * {"instances": [...]}} or an Open Inference Protocol {@code inference_request}), or one instance (a row of named
 * features, or an array) that the protocol wraps.
 *
 * @param origin where it was read, "file:line", for messages
 * @param body   the parsed JSON
 */
public record Payload(String origin, JsonNode body) {}
