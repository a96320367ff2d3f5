package dev.aviary.policy;

import dev.aviary.policy.Policy.NoDataRule;
import dev.aviary.policy.Policy.TimeoutAction;
import dev.aviary.policy.YamlNode.Mapping;
import dev.aviary.policy.YamlNode.Pos;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Turns a YAML tree into a {@link Policy}, collecting every problem on the way rather than stopping at the
 * first, so one edit-validate round fixes a whole file. This class reads the top level, metadata and spec's own
 * settings; each list section has its own validator ({@link TargetSection}, {@link StepsSection},
 * {@link ChecksSection}, {@link NotifySection}), all reporting through {@link PolicyNode}. One instance per file;
 * not thread-safe.
 */
final class PolicyValidator {

    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    static final Duration DEFAULT_MAX_STEP_DURATION = Duration.ofHours(1);
    static final TimeoutAction DEFAULT_ON_TIMEOUT = TimeoutAction.ROLLBACK;
    static final NoDataRule DEFAULT_NO_DATA = new NoDataRule(Duration.ofMinutes(5), TimeoutAction.PAUSE);
    static final double DEFAULT_ALPHA = 0.01;
    static final long DEFAULT_MIN_REQUESTS = 500;
    static final String DEFAULT_NAMESPACE = "default";

    private final Path file;
    private final CheckReader checkReader;
    private final ProblemList problems = new ProblemList();

    PolicyValidator(Path file, CheckReader checkReader) {
        this.file = file;
        this.checkReader = checkReader;
    }

    /** Why the file was rejected, after {@link #validate} returned null. */
    PolicyException rejection() {
        return problems.toException(file);
    }

    /** The policy, or null when there were problems (then {@link #rejection()} says what). */
    Policy validate(YamlNode root, String hash) {
        if (root == null) {
            problem(Pos.START, "", "the file is empty; a policy starts with apiVersion: " + PolicyFields.API_VERSION
                    + " and kind: " + PolicyFields.KIND);
            return null;
        }
        if (!(root instanceof Mapping rootMap)) {
            problem(root.pos(), "", "a policy file is a mapping with apiVersion, kind, metadata and spec; found "
                    + root.kindName());
            return null;
        }
        PolicyNode top = new PolicyNode(problems, rootMap, "", Pos.START, file);
        top.checkKnown(PolicyFields.TOP);

        String apiVersion = top.text("apiVersion", true);
        if (apiVersion != null && !apiVersion.equals(PolicyFields.API_VERSION)) {
            problem(top.pos("apiVersion"), "apiVersion", "apiVersion must be " + PolicyFields.API_VERSION
                    + ", found " + OneLine.quote(apiVersion));
        }
        String kind = top.text("kind", true);
        if (kind != null && !kind.equals(PolicyFields.KIND)) {
            problem(top.pos("kind"), "kind", "kind must be " + PolicyFields.KIND + ", found " + OneLine.quote(kind)
                    + (kind.equalsIgnoreCase(PolicyFields.KIND) ? " (mind the capitals)" : ""));
        }

        String name = null;
        String namespace = DEFAULT_NAMESPACE;
        PolicyNode metadata = top.obj("metadata", true);
        if (metadata != null) {
            metadata.checkKnown(PolicyFields.METADATA);
            name = metadata.text("name", true);
            if (name != null) {
                metadata.check("name", Names.OBJECT.check("the policy's name", name));
            }
            String ns = metadata.text("namespace", false);
            if (ns != null) {
                namespace = ns;
                metadata.check("namespace", Names.NAMESPACE.check("namespace", ns));
            }
            metadata.obj("labels", false);
            metadata.obj("annotations", false);
        }

        PolicyNode spec = top.obj("spec", true);
        if (spec == null) {
            return null;
        }
        spec.checkKnown(PolicyFields.SPEC);
        Target target = TargetSection.read(spec);
        Duration interval = spec.duration("interval", DEFAULT_INTERVAL, false);
        Duration maxStepDuration = spec.duration("maxStepDuration", DEFAULT_MAX_STEP_DURATION, false);
        TimeoutAction onTimeout = spec.action("onTimeout", DEFAULT_ON_TIMEOUT);
        NoDataRule noData = noData(spec);
        Double alpha = spec.number("alpha", DEFAULT_ALPHA);
        if (alpha != null && !(alpha > 0 && alpha <= 0.5)) {
            problem(spec.pos("alpha"), spec.path("alpha"), "alpha " + spec.raw("alpha")
                    + " is outside (0, 0.5]; it is the chance of rolling back a good canary, typically 0.01 or 0.05");
        }
        Long minRequests = spec.integer("minRequests", DEFAULT_MIN_REQUESTS);
        if (minRequests != null && minRequests < 0) {
            problem(spec.pos("minRequests"), spec.path("minRequests"), "minRequests " + minRequests
                    + " is negative; it is how many requests each arm must serve in a step before it can pass");
        }
        List<Step> steps = new StepsSection(spec).read(target, interval, maxStepDuration);
        List<CheckSpec> checks = new ChecksSection(spec, checkReader).read(minRequests == null ? DEFAULT_MIN_REQUESTS : minRequests, target);
        List<NotifySpec> notify = new NotifySection(spec).read();

        if (!problems.isEmpty()) {
            return null;
        }
        return new Policy(name, namespace, target, interval, steps, maxStepDuration, onTimeout, noData, checks,
                alpha, minRequests, notify, file, hash);
    }

    // ---------------------------------------------------------------- noData

    private NoDataRule noData(PolicyNode spec) {
        PolicyNode noData = spec.obj("noData", false);
        if (noData == null) {
            return DEFAULT_NO_DATA;
        }
        noData.checkKnown(PolicyFields.NO_DATA);
        Duration tolerate = noData.duration("tolerate", DEFAULT_NO_DATA.tolerate(), true);
        TimeoutAction then = noData.action("then", DEFAULT_NO_DATA.then());
        return new NoDataRule(tolerate, then);
    }

    private void problem(Pos pos, String field, String message) {
        problems.add(pos, field, message);
    }
}
