package dev.aviary.series;

import dev.aviary.rollout.HistoryEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * One rollout's points, bounded: at {@code capacity} points the older half is thinned (every second point that did
 * not move the rollout is dropped), so a long rollout keeps its whole shape at a coarser grain and every weight
 * change stays plotted. Thread-safe: ticks add while the API reads.
 */
final class RolloutSeries {

    static final int MAX_REQUESTS = 20;

    private final String key;
    private final int capacity;
    /** When the first tick was heard (ISO-8601): live points start here. */
    private String since;
    private final List<SeriesPoint> points = new ArrayList<>();
    private final List<RequestRecord> requests = new ArrayList<>();
    /** Whether a tick was heard: until then the recorded history is all this series knows. */
    private boolean ticked;

    RolloutSeries(String key, int capacity) {
        this.key = key;
        this.capacity = capacity;
    }

    static List<SeriesPoint> restoredPoints(List<HistoryEntry> history) {
        return history.stream().map(h -> new SeriesPoint(h.at(), null, h.stepNumber(), h.canaryWeight(), h.decision(), true, List.of()))
                .toList();
    }

    /** Add a tick's point; the first one comes after the recorded {@code history}, what a restarted daemon still knows. */
    synchronized void add(SeriesPoint point, List<HistoryEntry> history) {
        if (!ticked) {
            List<SeriesPoint> past = restoredPoints(history);
            // a history longer than half the series keeps its newest entries
            points.addAll(past.subList(Math.max(0, past.size() - capacity / 2), past.size()));
            ticked = true;
            since = point.at();
        }
        SeriesPoint last = points.isEmpty() ? null : points.get(points.size() - 1);
        if (point.sameAs(last)) return; // a finished or paused rollout ticks on without news
        if (points.size() >= capacity) thin();
        points.add(point);
    }

    synchronized void requested(RequestRecord request) {
        requests.add(request);
        if (requests.size() > MAX_REQUESTS) requests.remove(0);
    }

    /** The series as it stands; {@code recorded} (the CanaryRollout's history) stands in until a tick was heard. */
    synchronized Series snapshot(List<HistoryEntry> recorded) {
        List<SeriesPoint> shown = ticked ? points : restoredPoints(recorded);
        return new Series(key, since, (int) shown.stream().filter(SeriesPoint::restored).count(), shown, requests);
    }

    /** Drop every second unmoving point of the older half; if the rollout moved at nearly every point, the oldest. */
    private void thin() {
        int half = points.size() / 2;
        List<SeriesPoint> kept = new ArrayList<>(points.size());
        SeriesPoint before = null;
        boolean dropNext = true;
        for (int i = 0; i < points.size(); i++) {
            SeriesPoint p = points.get(i);
            if (i >= half || p.movedFrom(before)) {
                kept.add(p);
            } else {
                if (!dropNext) kept.add(p);
                dropNext = !dropNext;
            }
            before = p;
        }
        if (kept.size() >= capacity) kept.remove(0);
        points.clear();
        points.addAll(kept);
    }
}
