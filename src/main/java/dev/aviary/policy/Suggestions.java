package dev.aviary.policy;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" for misspelt field and value names. */
public final class Suggestions {

    private Suggestions() {}

    /** The known word closest to {@code word}, if it is close enough to be the likely intent. */
    static Optional<String> closest(String word, Collection<String> known) {
        String w = word.toLowerCase(Locale.ROOT);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            // no word more than 3 letters longer or shorter is close enough; skip the O(n·m) distance for it
            if (Math.abs(w.length() - k.length()) > 3) continue;
            int d = levenshtein(w, k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        // Short words allow fewer edits, or every three-letter typo would "mean" every other three-letter word.
        int allowed = w.length() <= 4 ? 1 : w.length() <= 8 ? 2 : 3;
        return best != null && bestDistance <= allowed ? Optional.of(best) : Optional.empty();
    }

    /** "; did you mean \"weight\"?" when a known word is close to {@code word}, else "". */
    public static String didYouMean(String word, List<String> known) {
        return closest(word, known).map(s -> "; did you mean \"" + s + "\"?").orElse("");
    }

    static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
