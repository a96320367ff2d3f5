package dev.aviary.notify;

/**
 * Reads one key of a Kubernetes Secret. Values are used and dropped: never logged, stored or shown; errors name
 * the Secret and key, never the value.
 */
@FunctionalInterface
public interface SecretReader {

    String read(String namespace, String secret, String key) throws Exception;
}
