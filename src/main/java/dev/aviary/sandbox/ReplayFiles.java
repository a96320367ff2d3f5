package dev.aviary.sandbox;

import dev.aviary.checks.shadow.PredictionDrift;
import dev.aviary.checks.shadow.ShadowAgreement;
import dev.aviary.checks.shadow.SourceSpec;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.shadow.StoredRequests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The stored requests a policy's replay checks read from files. The sandbox runs a copy of each policy from its own
 * policies directory, where a payloads path relative to the policy would find nothing; so the files are copied there
 * too, at the same place relative to the policy. ConfigMap payloads come from the manifests, like any object.
 */
final class ReplayFiles {

    private ReplayFiles() {
    }

    /**
     * The payload files {@code policy} names, path relative to its directory → content; what cannot be copied is
     * added to {@code problems}, one line each.
     */
    static Map<String, String> of(Policy policy, List<String> problems) {
        Map<String, String> files = new LinkedHashMap<>();
        Path dir = policy.source().toAbsolutePath().getParent();
        for (CheckSpec check : policy.checks()) {
            SourceSpec source = check instanceof ShadowAgreement.Spec a ? a.source() : check instanceof PredictionDrift.Spec d ? d.source() : null;
            if (source == null || source.replay() == null || source.replay().payloads().startsWith(StoredRequests.CONFIGMAP)) continue;
            Path payloads = dir.resolve(source.replay().payloads()).normalize();
            if (!payloads.startsWith(dir)) {
                problems.add(policy.source() + ": check " + check.name() + ": payloads " + payloads + " are outside the policy's"
                        + " directory; the sandbox copies only payloads beside the policies: move them under " + dir);
                continue;
            }
            try (Stream<Path> found = Files.isDirectory(payloads) ? Files.list(payloads) : Stream.of(payloads)) {
                for (Path f : found.filter(p -> Files.isRegularFile(p) && p.toString().matches(".*\\.jsonl?")).toList()) {
                    files.put(dir.relativize(f).toString().replace('\\', '/'), Files.readString(f));
                }
            } catch (IOException e) {
                problems.add(policy.source() + ": check " + check.name() + ": cannot read the payloads " + payloads + ": "
                        + Manifests.oneLine(e.getMessage()));
            }
        }
        return files;
    }
}
