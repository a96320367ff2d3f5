package dev.aviary.shadow.compare;

import dev.aviary.shadow.Prediction;
import dev.aviary.shadow.PredictionComparator;
import dev.aviary.shadow.ReplayException;

/** "top1": both arms predict the same class (the most probable label, or the bare label). */
public final class TopOne implements PredictionComparator {

    @Override
    public String name() {
        return "top1";
    }

    @Override
    public boolean agree(Prediction baseline, Prediction canary) throws ReplayException.Malformed {
        return Ranking.topLabel(baseline).equals(Ranking.topLabel(canary));
    }
}
