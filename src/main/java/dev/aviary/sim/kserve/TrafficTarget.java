package dev.aviary.sim.kserve;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One entry of a Knative route's traffic, as KServe copies it into
 * {@code status.components.predictor.traffic[]} (knative.dev/serving/pkg/apis/serving/v1 TrafficTarget).
 *
 * @param revisionName   the revision served (resolved to the latest ready one when {@code latestRevision})
 * @param latestRevision whether the entry follows the configuration's latest ready revision
 * @param percent        share of requests
 * @param tag            "prev", "latest" or null
 * @param url            the tag's own URL, null without a tag
 */
record TrafficTarget(String revisionName, boolean latestRevision, long percent, String tag, String url) {

    /** The JSON KServe reports: fields Knative leaves empty are absent. */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (tag != null) m.put("tag", tag);
        if (revisionName != null) m.put("revisionName", revisionName);
        m.put("latestRevision", latestRevision);
        m.put("percent", (int) percent); // 0-100; as an int, the way JSON reads back
        if (url != null) m.put("url", url);
        return m;
    }
}
