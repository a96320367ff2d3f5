package dev.aviary.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aviary.rollout.Decision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads one rollout's story back from the writes the API server applied, in their order, and says what breaks the
 * rules a rollout must keep whatever fails around it: every move of the canary's weight up was recorded as an intent
 * first, decided on passing verdicts (or the start of the first step); weights only go down to 0, by a rollback; the
 * steps' weights are walked in order, none written twice or skipped; the step index never jumps.
 */
final class WriteAudit {

    /** What the audit found for one rollout: its weight moves on the VirtualService, and what broke the rules. */
    record Story(String rollout, List<Integer> moves, List<String> violations) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The guard's verdict among the checks (rollout.StepRules' name for it). */
    private static final String SAMPLE_RATIO = "sample-ratio";

    private WriteAudit() {}

    /**
     * @param writes  every write the API server applied (any rollout, any kind), in any order
     * @param weights the policy's step weights, e.g. 10, 25, 50, 100
     */
    static Map<String, Story> audit(List<FaultyApiServer.Write> writes, List<Integer> weights) {
        Map<String, List<FaultyApiServer.Write>> byRollout = new TreeMap<>();
        // a rollout is named as its policy, its VirtualService as the model: the same namespace/name
        for (FaultyApiServer.Write w : writes) byRollout.computeIfAbsent(w.namespace() + "/" + w.name(), n -> new ArrayList<>()).add(w);
        Map<String, Story> out = new TreeMap<>();
        byRollout.forEach((rollout, list) -> out.put(rollout, story(rollout, list, weights)));
        return out;
    }

    private static Story story(String rollout, List<FaultyApiServer.Write> writes, List<Integer> weights) {
        List<FaultyApiServer.Write> ordered = new ArrayList<>(writes);
        ordered.sort(Comparator.comparingLong(FaultyApiServer.Write::seq));
        List<String> violations = new ArrayList<>();
        List<Integer> moves = new ArrayList<>();
        JsonNode last = null; // the rollout's status as last written
        JsonNode intent = null; // the status that first recorded the intent in flight
        Integer vsWeight = null; // null until the VirtualService is seen (its creation, by the user)
        for (FaultyApiServer.Write w : ordered) {
            if (w.resource().equals("canaryrollouts")) {
                JsonNode status = w.object().path("status");
                if (status.isMissingNode() || status.isNull()) continue;
                if (last != null) {
                    int before = last.path("step").asInt(), now = status.path("step").asInt();
                    if (now < before || now > before + 1) violations.add("step index went from " + before + " to " + now + " at " + w.resourceVersion());
                }
                Integer intended = canary(status.path("intended"));
                Integer previousIntent = last == null ? null : canary(last.path("intended"));
                if (intended != null && !intended.equals(previousIntent)) intent = status;
                last = status;
                continue;
            }
            int weight = LeanMesh.canaryWeightOf(JSON.convertValue(w.object().path("spec"), Map.class));
            if (vsWeight == null) {
                vsWeight = weight; // the VirtualService as the user created it
                continue;
            }
            String at = "VirtualService " + w.verb() + " at resourceVersion " + w.resourceVersion() + " (" + vsWeight + "% -> " + weight + "%)";
            if (weight == vsWeight) {
                violations.add("the canary weight " + weight + "% written again: " + at);
                continue;
            }
            Integer intended = last == null ? null : canary(last.path("intended"));
            if (intended == null || intended != weight) {
                violations.add("moved without that intent recorded first (intent: " + intended + "): " + at);
            } else if (weight > vsWeight) {
                String why = sanction(intent, weight, vsWeight, weights);
                if (why != null) violations.add(why + ": " + at);
            } else if (weight != 0 || !Decision.ROLLBACK.name().equals(intent.path("lastDecision").asText())) {
                violations.add("weight went down other than by a rollback to 0 (decision " + intent.path("lastDecision").asText() + "): " + at);
            }
            moves.add(weight);
            vsWeight = weight;
        }
        int up = 0;
        for (int i = 0; i < moves.size(); i++) {
            int m = moves.get(i);
            if (m == 0) {
                if (i != moves.size() - 1) violations.add("moves after the rollback: " + moves);
                break;
            }
            if (up >= weights.size() || m != weights.get(up)) violations.add("steps not walked in order " + weights + ": " + moves);
            up++;
        }
        return new Story(rollout, moves, violations);
    }

    /** Null when a move up to {@code weight} was decided as the rules allow; else what was wrong. */
    private static String sanction(JsonNode intent, int weight, int from, List<Integer> weights) {
        String decision = intent.path("lastDecision").asText();
        if (Decision.START.name().equals(decision)) {
            return from == 0 && weight == weights.get(0) ? null : "a START moved to " + weight + "% from " + from + "%";
        }
        if (!Decision.ADVANCE.name().equals(decision) && !Decision.PROMOTE.name().equals(decision)) {
            return "moved up on a " + decision + " decision";
        }
        JsonNode checks = intent.path("checks");
        if (!checks.isArray() || checks.isEmpty()) return "moved up (" + decision + ") with no verdict recorded";
        for (JsonNode c : checks) {
            String outcome = c.path("outcome").asText();
            // the sample-ratio guard says only whether the split looks wrong: it never passes, it may not fail
            boolean guard = SAMPLE_RATIO.equals(c.path("check").asText());
            if (guard ? "FAIL".equals(outcome) : !"PASS".equals(outcome)) {
                return "moved up (" + decision + ") while check " + c.path("check").asText() + " was " + outcome;
            }
        }
        return null;
    }

    private static Integer canary(JsonNode weights) {
        return weights == null || weights.isMissingNode() || weights.isNull() ? null : weights.path("canary").asInt();
    }
}
