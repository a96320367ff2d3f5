package dev.aviary.cli;

import dev.aviary.analysis.Evidence;
import dev.aviary.analysis.Outcome;
import dev.aviary.rollout.CanaryRollout;
import dev.aviary.rollout.CheckRecord;
import dev.aviary.rollout.Decision;
import dev.aviary.rollout.HistoryEntry;
import dev.aviary.rollout.Phase;
import dev.aviary.rollout.RolloutSpec;
import dev.aviary.rollout.RolloutStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/** CanaryRollouts as the daemon leaves them, for the CLI's tests. */
final class Rollout {

    private Rollout() {
    }

    /** team-a/image-classifier at its second step (30%), its errors check passing with numbers, two decisions behind it. */
    static CanaryRollout progressing(String namespace, String name) {
        CanaryRollout cr = new CanaryRollout();
        cr.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        cr.setSpec(new RolloutSpec(name, "policies/" + name + ".yaml", "VirtualService/" + name));
        Evidence counts = new Evidence(20_000L, 200L, 8_000L, 82L, 1.025, 0.71, 1.46, 0.034, null);
        cr.setStatus(new RolloutStatus(Phase.Progressing, 1, "2026-12-06T20:01:00Z", "rev-2", "h", null, null, null, 0, null, 30,
                Decision.ADVANCE, "every check passed at step 1: moving to step 2 (weight 30)", null, null, Map.of(),
                List.of(new CheckRecord("errors", Outcome.PASS, "canary 5xx rate 1.03% vs 1.00%, ratio <= 1.46 with 99% confidence",
                        counts, true)),
                List.of(new HistoryEntry("2026-12-06T20:00:00Z", Decision.START, 1, 0, "mirror 100"),
                        new HistoryEntry("2026-12-06T20:01:00Z", Decision.ADVANCE, 2, 30, "moving to step 2 (weight 30)")), null));
        return cr;
    }

    static CanaryRollout create(KubernetesClient client, CanaryRollout cr) {
        return client.resources(CanaryRollout.class).inNamespace(cr.getMetadata().getNamespace()).resource(cr).create();
    }

    static CanaryRollout read(KubernetesClient client, String namespace, String name) {
        return client.resources(CanaryRollout.class).inNamespace(namespace).withName(name).get();
    }
}
