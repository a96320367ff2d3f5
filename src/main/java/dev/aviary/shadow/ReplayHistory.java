package dev.aviary.shadow;

import dev.aviary.analysis.Observation;
import dev.aviary.analysis.ReplayFailures;
import dev.aviary.shadow.compare.Ranking;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A replay session's outcomes, newest last, at most {@code cap} replays (the oldest are dropped first): what the
 * source reads pairs and failures from for a window. Thread-safe.
 */
final class ReplayHistory {

    /** One instance both arms answered: whether the answers agreed, and each arm's class (null if numeric) and score. */
    record Compared(boolean agreed, String baselineClass, double baselineScore, String canaryClass, double canaryScore) {}

    /**
     * One replay: its pairs, or the arms' reasons when it produced none (null for an arm that answered). A replay with
     * a failure has no pairs.
     */
    record Replayed(Instant at, String baselineFailure, String canaryFailure, List<Compared> pairs) {

        Replayed {
            pairs = List.copyOf(pairs);
        }

        static Replayed failed(Instant at, String baseline, String canary) {
            return new Replayed(at, baseline, canary, List.of());
        }

        /**
         * Pair the arms' answers instance by instance. An answer the comparator cannot use is a failure of the arm it
         * came from: the baseline's when its answer cannot even be compared with itself, else the canary's (the
         * baseline is the reference), and the replay then counts no pair.
         */
        static Replayed of(Instant at, ArmAnswer baseline, ArmAnswer canary, PredictionComparator comparator) {
            String bFailed = baseline instanceof ArmAnswer.Failed f ? f.reason() : null;
            String cFailed = canary instanceof ArmAnswer.Failed f ? f.reason() : null;
            if (bFailed != null || cFailed != null) return failed(at, bFailed, cFailed);
            List<Prediction> b = ((ArmAnswer.Answered) baseline).predictions();
            List<Prediction> c = ((ArmAnswer.Answered) canary).predictions();
            if (b.size() != c.size()) {
                return failed(at, null, "answered " + c.size() + " prediction" + (c.size() == 1 ? "" : "s")
                        + " where the baseline answered " + b.size());
            }
            List<Compared> pairs = new ArrayList<>(b.size());
            for (int i = 0; i < b.size(); i++) {
                try {
                    boolean agreed = comparator.agree(b.get(i), c.get(i));
                    pairs.add(new Compared(agreed, classOf(b.get(i)), Ranking.score(b.get(i)), classOf(c.get(i)), Ranking.score(c.get(i))));
                } catch (ReplayException.Malformed e) {
                    return comparable(comparator, b.get(i)) ? failed(at, null, e.getMessage()) : failed(at, e.getMessage(), null);
                }
            }
            return new Replayed(at, null, null, pairs);
        }

        private static boolean comparable(PredictionComparator comparator, Prediction p) {
            try {
                comparator.agree(p, p);
                return true;
            } catch (ReplayException.Malformed e) {
                return false;
            }
        }

        private static String classOf(Prediction p) {
            if (p.isNumeric()) return null;
            try {
                return Ranking.topLabel(p);
            } catch (ReplayException.Malformed e) {
                return null;
            }
        }
    }

    private final int cap;
    private final ArrayDeque<Replayed> replays = new ArrayDeque<>();

    ReplayHistory(int cap) {
        this.cap = cap;
    }

    synchronized void add(Replayed r) {
        if (replays.size() == cap) replays.removeFirst();
        replays.addLast(r);
    }

    /** Replays stored now (at most the cap). */
    synchronized int size() {
        return replays.size();
    }

    /** The replays completed at or after {@code since}, oldest first. */
    synchronized List<Replayed> since(Instant since) {
        List<Replayed> out = new ArrayList<>();
        for (Iterator<Replayed> it = replays.descendingIterator(); it.hasNext(); ) {
            Replayed r = it.next();
            if (r.at().isBefore(since)) break;
            out.add(r);
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /** Pairs and failures over the replays since {@code since}; null when there were none. */
    Observation.Pairs pairs(Instant since) {
        List<Replayed> window = since(since);
        if (window.isEmpty()) return null;
        long compared = 0;
        long agreed = 0;
        for (Replayed r : window) {
            compared += r.pairs().size();
            for (Compared c : r.pairs()) if (c.agreed()) agreed++;
        }
        return new Observation.Pairs(compared, agreed, failures(window));
    }

    /** What each arm predicted over the replays since {@code since}; null when there were none. */
    Observation.Predictions predictions(Instant since) {
        List<Replayed> window = since(since);
        if (window.isEmpty()) return null;
        Map<String, Long> baseline = new LinkedHashMap<>();
        Map<String, Long> canary = new LinkedHashMap<>();
        List<double[]> scores = new ArrayList<>();
        for (Replayed r : window) {
            for (Compared c : r.pairs()) {
                if (c.baselineClass() != null) baseline.merge(c.baselineClass(), 1L, Long::sum);
                if (c.canaryClass() != null) canary.merge(c.canaryClass(), 1L, Long::sum);
                // both or neither, so the two score lists stay aligned pair by pair
                if (!Double.isNaN(c.baselineScore()) && !Double.isNaN(c.canaryScore())) {
                    scores.add(new double[] {c.baselineScore(), c.canaryScore()});
                }
            }
        }
        return new Observation.Predictions(baseline, canary, scores.stream().mapToDouble(s -> s[0]).toArray(),
                scores.stream().mapToDouble(s -> s[1]).toArray(), failures(window));
    }

    private static ReplayFailures failures(List<Replayed> window) {
        long baseline = 0;
        long canary = 0;
        String bReason = null;
        String cReason = null;
        for (Replayed r : window) {
            if (r.baselineFailure() != null) {
                baseline++;
                bReason = r.baselineFailure();
            }
            if (r.canaryFailure() != null) {
                canary++;
                cReason = r.canaryFailure();
            }
        }
        return new ReplayFailures(window.size(), baseline, canary, bReason, cReason);
    }
}
