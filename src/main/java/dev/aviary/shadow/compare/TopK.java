package dev.aviary.shadow.compare;

import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionComparator;
import dev.aviary.shadow.ReplayException;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * "topk": the k most probable labels of both answers overlap enough, |topk(a) ∩ topk(b)| / k &gt;= minOverlap. An
 * answer with fewer than k labels cannot be compared this way (the policy's k is larger than what the server
 * returns, e.g. k: 10 against the tutorial's top-5 answers).
 */
public final class TopK implements PredictionComparator {

    private final int k;
    private final double minOverlap;

    public TopK(int k, double minOverlap) {
        if (k < 1) throw new IllegalArgumentException("k must be at least 1, not " + k);
        this.k = k;
        this.minOverlap = minOverlap;
    }

    @Override
    public String name() {
        return "topk";
    }

    @Override
    public boolean agree(Prediction baseline, Prediction canary) throws ReplayException.Malformed {
        Set<String> a = new HashSet<>(top(baseline));
        a.retainAll(top(canary));
        // compare counts, not the ratio, so that e.g. 3 of 5 meets 60% exactly despite 3/5 = 0.6000000000000001
        return a.size() >= minOverlap * k - 1e-9;
    }

    private List<String> top(Prediction p) throws ReplayException.Malformed {
        List<String> ranked = Ranking.ranked(p);
        if (ranked.size() < k) {
            throw new ReplayException.Malformed("the answer has " + ranked.size() + " label" + (ranked.size() == 1 ? "" : "s")
                    + ", fewer than k = " + k);
        }
        return ranked.subList(0, k);
    }
}
