package dev.aviary.series;

import java.util.List;

/**
 * A rollout's series as {@code GET /api/rollouts/{namespace}/{name}/series} serves it.
 *
 * @param rollout  namespace/name
 * @param since    since when this daemon has recorded live points (ISO-8601); null when it has none for this
 *                 rollout (every point is then restored from the recorded history)
 * @param restored how many of the first points come from the CanaryRollout's history rather than live ticks
 * @param points   oldest first
 * @param requests the controls asked for through this Aviary's API since it started, oldest first
 */
public record Series(String rollout, String since, int restored, List<SeriesPoint> points, List<RequestRecord> requests) {

    public Series {
        points = List.copyOf(points);
        requests = List.copyOf(requests);
    }
}
