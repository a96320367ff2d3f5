package dev.aviary.policy;

import dev.aviary.policy.CheckSpec.Preset;
import dev.aviary.policy.Policy.NoDataRule;
import dev.aviary.policy.Policy.TimeoutAction;
import dev.aviary.policy.Step.HeaderMatch;
import dev.aviary.policy.Step.HeaderMatch.MatchType;
import dev.aviary.policy.YamlNode.Entry;
import dev.aviary.policy.YamlNode.Mapping;
import dev.aviary.policy.YamlNode.Pos;
import dev.aviary.policy.YamlNode.Scalar;
import dev.aviary.policy.YamlNode.Sequence;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns a YAML tree into a {@link Policy}, collecting every problem on the way rather than stopping at the
 * first, so one edit-validate round fixes a whole file. One instance per file; not thread-safe.
 */
final class PolicyValidator {

    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    static final Duration DEFAULT_MAX_STEP_DURATION = Duration.ofHours(1);
    static final TimeoutAction DEFAULT_ON_TIMEOUT = TimeoutAction.ROLLBACK;
    static final NoDataRule DEFAULT_NO_DATA = new NoDataRule(Duration.ofMinutes(5), TimeoutAction.PAUSE);
    static final double DEFAULT_ALPHA = 0.01;
    static final long DEFAULT_MIN_REQUESTS = 500;
    static final String DEFAULT_NAMESPACE = "default";
    static final String DEFAULT_THRESHOLD_ARM = "canary";
    /** A comparison's largest tolerance, as a fraction: 10 (1000%) already lets an 11-times-worse canary pass. */
    static final double MAX_TOLERANCE = 10;

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([^}]*?)\\s*}}");
    private static final List<String> PLACEHOLDERS = List.of("arm", "window");
    private static final List<String> CHECK_TYPES = List.of("comparison", "threshold", "mann-whitney", "shadow-agreement");
    private static final List<String> ACTIONS = List.of("rollback", "pause");

    /** Where each known field belongs, to say "minRequests belongs in spec" when it is written at the wrong level. */
    private static final Map<String, String> HOME = homes();

    private final Path file;
    private final ProblemList problems = new ProblemList();

    PolicyValidator(Path file) {
        this.file = file;
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
        Obj top = new Obj(rootMap, "", Pos.START);
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
        Obj metadata = top.obj("metadata", true);
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

        Obj spec = top.obj("spec", true);
        if (spec == null) {
            return null;
        }
        spec.checkKnown(PolicyFields.SPEC);
        Target target = target(spec);
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
        List<Step> steps = steps(spec, target, interval, maxStepDuration);
        List<CheckSpec> checks = checks(spec, minRequests == null ? DEFAULT_MIN_REQUESTS : minRequests);
        List<NotifySpec> notify = notifications(spec);

        if (!problems.isEmpty()) {
            return null;
        }
        return new Policy(name, namespace, target, interval, steps, maxStepDuration, onTimeout, noData, checks,
                alpha, minRequests, notify, file, hash);
    }

    // ---------------------------------------------------------------- target

    private Target target(Obj spec) {
        Obj target = spec.obj("target", false);
        if (target == null) {
            if (!spec.has("target")) {
                problem(spec.anchor, "spec.target", "spec.target is missing; say what moves traffic: target.istio "
                        + "(a VirtualService with baseline and canary subsets) or target.kserve (an InferenceService)");
            }
            return null;
        }
        target.checkKnown(PolicyFields.TARGET);
        boolean istio = target.has("istio");
        boolean kserve = target.has("kserve");
        if (istio && kserve) {
            problem(target.pos("kserve"), target.path("kserve"), "target has both istio and kserve; a policy moves "
                    + "traffic on one of them, so keep one");
            return null;
        }
        if (!istio && !kserve) {
            if (target.map.entries().keySet().stream().allMatch(PolicyFields.TARGET::contains)) {
                problem(target.anchor, target.path, "target needs istio (a VirtualService) or kserve "
                        + "(an InferenceService)");
            }
            return null;
        }
        if (kserve) {
            Obj ks = target.obj("kserve", true);
            if (ks == null) return null;
            ks.checkKnown(PolicyFields.KSERVE);
            String isvc = ks.text("inferenceService", true);
            if (isvc != null && ks.check("inferenceService", Names.INFERENCE_SERVICE.check("inferenceService", isvc))) isvc = null;
            return isvc == null ? null : new KServeTarget(isvc);
        }
        Obj is = target.obj("istio", true);
        if (is == null) return null;
        is.checkKnown(PolicyFields.ISTIO);
        String vs = is.text("virtualService", true);
        if (vs != null && is.check("virtualService", Names.OBJECT.check("virtualService", vs))) vs = null;
        String route = is.text("route", false);
        boolean badRoute = route != null && is.check("route", Names.ROUTE.check("route", route));
        IstioTarget.Arm baseline = arm(is, "baseline");
        IstioTarget.Arm canary = arm(is, "canary");
        if (baseline != null && canary != null) {
            // The arms are told apart only by their metric label (whatever the hosts): one subset, or one version,
            // for both would compare a series with itself, and no check could ever fail.
            Obj c = is.child("canary");
            if (baseline.subset().equals(canary.subset())) {
                problem(c.pos("subset"), c.path("subset"), "baseline and canary are both subset "
                        + OneLine.quote(canary.subset()) + "; they must be different subsets of the DestinationRule");
                canary = null;
            } else if (baseline.version() != null && baseline.version().equals(canary.version())) {
                problem(c.pos("version"), c.path("version"), "baseline and canary both have version "
                        + OneLine.quote(canary.version()) + "; the metrics would show one series for both arms, so "
                        + "no check could tell them apart");
                canary = null;
            }
        }
        if (vs == null || badRoute || baseline == null || canary == null) return null;
        return new IstioTarget(vs, route, baseline, canary);
    }

    private IstioTarget.Arm arm(Obj istio, String which) {
        Obj arm = istio.obj(which, true);
        if (arm == null) return null;
        arm.checkKnown(PolicyFields.ARM);
        String subset = arm.text("subset", true);
        String version = arm.text("version", false);
        String host = arm.text("host", false);
        boolean bad = subset != null && arm.check("subset", Names.SUBSET.check("subset", subset));
        bad |= version != null && arm.check("version", Names.LABEL_VALUE.check("version", version));
        bad |= host != null && arm.check("host", Names.HOST.check("host", host));
        return subset == null || bad ? null : new IstioTarget.Arm(subset, version, host);
    }

    // ---------------------------------------------------------------- noData

    private NoDataRule noData(Obj spec) {
        Obj noData = spec.obj("noData", false);
        if (noData == null) {
            return DEFAULT_NO_DATA;
        }
        noData.checkKnown(PolicyFields.NO_DATA);
        Duration tolerate = noData.duration("tolerate", DEFAULT_NO_DATA.tolerate(), true);
        TimeoutAction then = noData.action("then", DEFAULT_NO_DATA.then());
        return new NoDataRule(tolerate, then);
    }

    // ---------------------------------------------------------------- steps

    private List<Step> steps(Obj spec, Target target, Duration interval, Duration maxStepDuration) {
        List<Obj> items = spec.list("steps", true);
        if (items == null) return List.of();
        if (items.isEmpty()) {
            problem(spec.pos("steps"), spec.path("steps"), "steps is empty; list the traffic steps, ending with "
                    + "- weight: 100");
            return List.of();
        }
        List<Step> steps = new ArrayList<>();
        Integer previousWeight = null;
        Step lastValid = null;
        Obj lastItem = null;
        for (Obj item : items) {
            lastItem = item;
            Step step = step(item, interval, maxStepDuration);
            steps.add(step);
            lastValid = step;
            if (step == null) continue;
            if (step.isPromotion() && item == items.get(0)) {
                // 100% to a canary no check has judged yet is a deploy, not a canary rollout
                problem(item.pos("weight"), item.path("weight"), items.size() == 1
                        ? "the only step is weight 100, which would promote the canary at once, before any check has "
                        + "judged it; add a judged step first, e.g. - weight: 10"
                        : "the first step is weight 100, which would promote the canary at once, before any check has "
                        + "judged it; start with a smaller weight or a headerRoute step");
            }
            switch (step.kind()) {
                case WEIGHT -> {
                    if (previousWeight != null && step.weight() <= previousWeight) {
                        problem(item.pos("weight"), item.path("weight"), "weight " + step.weight()
                                + " is not above the previous step's " + previousWeight + "; weights must increase");
                    }
                    previousWeight = step.weight();
                }
                case HEADER_ROUTE, MIRROR -> {
                    String field = step.kind() == Step.Kind.MIRROR ? "mirror" : "headerRoute";
                    if (previousWeight != null) {
                        problem(item.pos(field), item.path(field), "a " + (field.equals("mirror") ? "mirror" : "header-route")
                                + " step after weight " + previousWeight + " would take the canary's share away "
                                + "again; put header-route and mirror steps before the weight steps");
                    }
                    if (target instanceof KServeTarget) {
                        problem(item.pos(field), item.path(field), field + " steps need an Istio target; KServe "
                                + "moves traffic only with canaryTrafficPercent, so use weight steps");
                    }
                }
            }
        }
        if (lastValid != null && !lastValid.isPromotion()) {
            Pos at = lastItem.has("weight") ? lastItem.pos("weight") : lastItem.anchor;
            problem(at, lastItem.path, "the last step is " + lastValid.describe() + ", so the canary would never be "
                    + "promoted; end the steps with - weight: 100");
        }
        return steps;
    }

    private Step step(Obj item, Duration interval, Duration maxStepDuration) {
        item.checkKnown(PolicyFields.STEP);
        List<String> actions = new ArrayList<>();
        for (String k : List.of("weight", "headerRoute", "mirror")) if (item.has(k)) actions.add(k);
        if (actions.isEmpty()) {
            // A misspelt "weigth" is already reported with a did-you-mean; saying "needs a weight" too is noise.
            if (item.map.entries().keySet().stream().allMatch(PolicyFields.STEP::contains)) {
                problem(item.anchor, item.path, "a step needs one of weight, headerRoute or mirror");
            }
            return null;
        }
        if (actions.size() > 1) {
            problem(item.keyPos(actions.get(1)), item.path, "a step does one thing, but this one has "
                    + String.join(" and ", actions) + "; split it into separate steps");
            return null;
        }
        int before = problems.count();
        Integer weight = null;
        Integer mirror = null;
        HeaderMatch header = null;
        switch (actions.get(0)) {
            case "weight" -> {
                Long w = item.integer("weight", null);
                if (w != null && (w < 0 || w > 100)) {
                    problem(item.pos("weight"), item.path("weight"), "weight " + w + " is outside 0–100; it is the "
                            + "canary's percentage of traffic");
                } else if (w != null) {
                    weight = w.intValue();
                }
            }
            case "mirror" -> {
                Long m = item.integer("mirror", null);
                if (m != null && (m < 1 || m > 100)) {
                    problem(item.pos("mirror"), item.path("mirror"), "mirror " + m + " is outside 1–100; it is the "
                            + "percentage of traffic copied to the canary");
                } else if (m != null) {
                    mirror = m.intValue();
                }
            }
            default -> header = headerRoute(item.obj("headerRoute", true));
        }
        Duration minDuration = item.duration("minDuration", interval, true);
        if (minDuration != null && maxStepDuration != null && minDuration.compareTo(maxStepDuration) > 0) {
            problem(item.pos("minDuration"), item.path("minDuration"), "minDuration " + Durations.format(minDuration)
                    + " is longer than maxStepDuration " + Durations.format(maxStepDuration)
                    + ", so this step would always time out; shorten it or raise spec.maxStepDuration");
        }
        if (problems.count() > before || (weight == null && mirror == null && header == null)) {
            return null;
        }
        return new Step(weight, header, mirror, minDuration);
    }

    private HeaderMatch headerRoute(Obj hr) {
        if (hr == null) return null;
        hr.checkKnown(PolicyFields.HEADER_ROUTE);
        String header = hr.text("header", true);
        if (header != null && hr.check("header", Names.header(header))) header = null;
        List<String> kinds = new ArrayList<>();
        for (String k : List.of("exact", "prefix", "regex")) if (hr.has(k)) kinds.add(k);
        if (kinds.isEmpty()) {
            problem(hr.anchor, hr.path, "headerRoute needs one of exact, prefix or regex, e.g. "
                    + "{header: user-group, exact: canary}");
            return null;
        }
        if (kinds.size() > 1) {
            problem(hr.keyPos(kinds.get(1)), hr.path, "headerRoute takes one of exact, prefix or regex, not "
                    + String.join(" and ", kinds));
            return null;
        }
        String kind = kinds.get(0);
        String value = hr.text(kind, true);
        if (value == null) return null;
        if (kind.equals("regex")
                && hr.check("regex", Re2Syntax.problem(value).map(wrong -> "regex " + OneLine.quote(value) + " " + wrong))) {
            return null;
        }
        return header == null ? null : new HeaderMatch(header, MatchType.valueOf(kind.toUpperCase(Locale.ROOT)), value);
    }

    // ---------------------------------------------------------------- checks

    private List<CheckSpec> checks(Obj spec, long minRequests) {
        List<Obj> items = spec.list("checks", true);
        if (items == null) return List.of();
        if (items.isEmpty()) {
            problem(spec.pos("checks"), spec.path("checks"), "checks is empty; without a check Aviary would promote "
                    + "on time alone; add at least one (e.g. preset: istio-error-rate)");
        }
        List<CheckSpec> checks = new ArrayList<>();
        Map<String, Pos> names = new HashMap<>();
        for (Obj item : items) {
            CheckSpec check = check(item, minRequests);
            if (check != null) checks.add(check);
            String name = item.has("name") && item.get("name") instanceof Scalar s && !s.isNull() ? s.text() : null;
            if (name != null) {
                Pos first = names.putIfAbsent(name, item.pos("name"));
                if (first != null) {
                    problem(item.pos("name"), item.path("name"), "duplicate check name " + OneLine.quote(name)
                            + " (first at line " + first.line() + "); check names must be unique, they name the check "
                            + "in events and metrics");
                }
            }
        }
        return checks;
    }

    private CheckSpec check(Obj c, long minRequests) {
        c.checkKnown(PolicyFields.CHECK);
        int before = problems.count();
        String name = c.text("name", true);
        if (name != null && c.check("name", Names.CHECK.check("name", name))) name = null;

        Preset preset = null;
        String presetText = c.text("preset", false);
        if (presetText != null) {
            preset = Preset.fromYaml(presetText);
            if (preset == null) {
                List<String> known = Arrays.stream(Preset.values()).map(Preset::yamlName).toList();
                problem(c.pos("preset"), c.path("preset"), "unknown preset " + OneLine.quote(presetText)
                        + didYouMean(presetText, known) + "; known presets: " + String.join(", ", known));
            }
        }

        String typeText = c.text("type", false);
        CheckSpec.Type type = null;
        if (typeText != null) {
            switch (typeText) {
                case "comparison" -> type = CheckSpec.Type.COMPARISON;
                case "threshold" -> type = CheckSpec.Type.THRESHOLD;
                case "mann-whitney" -> type = CheckSpec.Type.MANN_WHITNEY;
                case "shadow-agreement" -> problem(c.pos("type"), c.path("type"), "type shadow-agreement is not "
                        + "supported yet (prediction-level comparison of mirrored traffic is planned); remove this "
                        + "check for now");
                default -> problem(c.pos("type"), c.path("type"), "unknown check type " + OneLine.quote(typeText)
                        + didYouMean(typeText, CHECK_TYPES) + "; known types: comparison, threshold, mann-whitney");
            }
        } else if (preset != null) {
            type = presetType(preset);
        } else if (presetText == null) {
            problem(c.anchor, c.path, "say what this check is: a preset (" + Arrays.stream(Preset.values())
                    .map(Preset::yamlName).collect(Collectors.joining(", ")) + ") or a type (comparison, threshold, "
                    + "mann-whitney)");
        }
        if (type != null && preset != null && presetType(preset) != type) {
            problem(c.pos("type"), c.path("type"), "preset " + preset.yamlName() + " is a "
                    + typeName(presetType(preset)) + " check, not " + typeName(type) + "; drop type or write type: "
                    + typeName(presetType(preset)));
            type = null;
        }
        if (c.has("source") || c.has("minAgreement")) {
            if (!"shadow-agreement".equals(typeText)) {
                String f = c.has("source") ? "source" : "minAgreement";
                problem(c.keyPos(f), c.path(f), f + " belongs to shadow-agreement checks only");
            }
            c.fraction("minAgreement", "minAgreement");
        }

        String query = c.text("query", false);
        String totalQuery = c.text("totalQuery", false);
        placeholders(c, "query", query);
        placeholders(c, "totalQuery", totalQuery);
        if (preset != null && (query != null || totalQuery != null)) {
            String f = query != null ? "query" : "totalQuery";
            problem(c.keyPos(f), c.path(f), "a check uses either a preset or its own queries, not both; drop "
                    + f + " or the preset");
        }
        Duration slowerThan = c.duration("slowerThan", null, false);
        if (slowerThan != null && slowerThan.isZero()) {
            problem(c.pos("slowerThan"), c.path("slowerThan"), "slowerThan must be above 0, e.g. 250ms");
        }
        if (preset == Preset.ISTIO_SLOW_REQUESTS && !c.has("slowerThan")) {
            problem(c.anchor, c.path + ".slowerThan", "preset istio-slow-requests needs slowerThan: the latency "
                    + "above which a request counts as slow, e.g. slowerThan: 250ms");
        } else if (c.has("slowerThan") && preset != Preset.ISTIO_SLOW_REQUESTS && presetText != null) {
            problem(c.keyPos("slowerThan"), c.path("slowerThan"), "slowerThan applies only to preset "
                    + "istio-slow-requests");
        }
        Double tolerance = c.fraction("tolerance", "tolerance");
        if (tolerance != null && tolerance <= 0) {
            problem(c.pos("tolerance"), c.path("tolerance"), "tolerance must be above 0 (e.g. 10%): with 0 a canary "
                    + "exactly as good as the baseline could never pass");
        } else if (tolerance != null && tolerance > MAX_TOLERANCE) {
            problem(c.pos("tolerance"), c.path("tolerance"), "tolerance " + c.raw("tolerance") + " would pass a canary "
                    + "more than " + (int) (MAX_TOLERANCE + 1) + " times worse than the baseline, which is no check at "
                    + "all; at most " + (int) (MAX_TOLERANCE * 100) + "%");
        }
        Double min = c.number("min", null);
        Double max = c.number("max", null);
        Long minSamples = c.integer("minSamples", null);
        if (minSamples != null && minSamples < 0) {
            problem(c.pos("minSamples"), c.path("minSamples"), "minSamples " + minSamples + " is negative");
        }
        String arm = c.text("arm", false);
        if (arm != null && !arm.equals("canary") && !arm.equals("baseline")) {
            problem(c.pos("arm"), c.path("arm"), "arm must be canary or baseline, found " + OneLine.quote(arm));
        }

        if (type == CheckSpec.Type.COMPARISON) {
            notFor(c, "comparison", "min", "max", "minSamples", "arm");
            if (!c.has("tolerance")) {
                problem(c.anchor, c.path + ".tolerance", "a comparison check needs a tolerance: how much worse than "
                        + "the baseline the canary may be, e.g. tolerance: 10%");
            }
            if (preset == null && presetText == null) {
                if (query == null && !c.has("query")) {
                    problem(c.anchor, c.path + ".query", "a comparison without a preset needs query (the bad-event "
                            + "count) and totalQuery (the total-event count)");
                } else if (totalQuery == null && !c.has("totalQuery")) {
                    problem(c.anchor, c.path + ".totalQuery", "a comparison without a preset needs totalQuery "
                            + "(the total-event count) next to query");
                }
            }
        } else if (type == CheckSpec.Type.THRESHOLD) {
            notFor(c, "threshold", "tolerance", "totalQuery");
            if (!c.has("min") && !c.has("max")) {
                problem(c.anchor, c.path, "a threshold check needs min or max (or both): the acceptable range of "
                        + "the value" + (preset == Preset.ISTIO_LATENCY_P99 ? ", e.g. max: 500 (milliseconds)" : ""));
            }
            if (min != null && max != null && min > max) {
                problem(c.pos("min"), c.path("min"), "min " + c.raw("min") + " is above max " + c.raw("max")
                        + "; no value could pass");
            }
            if (min != null) c.check("min", PresetBounds.problem(preset, "min", c.raw("min"), min));
            if (max != null) c.check("max", PresetBounds.problem(preset, "max", c.raw("max"), max));
            if (preset == null && presetText == null && !c.has("query")) {
                problem(c.anchor, c.path + ".query", "a threshold check without a preset needs query: PromQL "
                        + "giving the value per arm, with {{arm}} and {{window}} placeholders");
            }
        } else if (type == CheckSpec.Type.MANN_WHITNEY) {
            notFor(c, "mann-whitney", "min", "max", "totalQuery", "arm");
            if (presetText != null) {
                problem(c.keyPos("preset"), c.path("preset"), "mann-whitney checks take their own query, not a preset");
            } else if (!c.has("query")) {
                problem(c.anchor, c.path + ".query", "a mann-whitney check needs query: PromQL giving the samples "
                        + "per arm, with {{arm}} and {{window}} placeholders");
            }
        }

        if (problems.count() > before || type == null || name == null) {
            return null;
        }
        long samples = minSamples != null ? minSamples : type == CheckSpec.Type.THRESHOLD ? minRequests : 0;
        String armOrDefault = arm != null ? arm : type == CheckSpec.Type.THRESHOLD ? DEFAULT_THRESHOLD_ARM : null;
        return new CheckSpec(name, type, preset, query, totalQuery, tolerance == null ? 0 : tolerance, slowerThan,
                min, max, samples, armOrDefault);
    }

    private static CheckSpec.Type presetType(Preset preset) {
        return switch (preset) {
            case ISTIO_SUCCESS_RATE, ISTIO_LATENCY_P99 -> CheckSpec.Type.THRESHOLD;
            case ISTIO_ERROR_RATE, ISTIO_SLOW_REQUESTS -> CheckSpec.Type.COMPARISON;
        };
    }

    private static String typeName(CheckSpec.Type type) {
        return type.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private void notFor(Obj c, String type, String... fields) {
        for (String f : fields) {
            if (c.has(f)) {
                problem(c.keyPos(f), c.path(f), f + " does not apply to a " + type + " check");
            }
        }
    }

    private void placeholders(Obj c, String field, String query) {
        if (query == null) return;
        Matcher m = PLACEHOLDER.matcher(query);
        while (m.find()) {
            if (!PLACEHOLDERS.contains(m.group(1))) {
                problem(c.pos(field), c.path(field), "unknown placeholder {{" + OneLine.truncate(m.group(1), 40) + "}}"
                        + didYouMean(m.group(1), PLACEHOLDERS) + "; known: {{arm}}, {{window}}");
            }
        }
    }

    // ---------------------------------------------------------------- notify

    private List<NotifySpec> notifications(Obj spec) {
        List<Obj> items = spec.list("notify", false);
        if (items == null) return List.of();
        List<NotifySpec> out = new ArrayList<>();
        for (Obj item : items) {
            item.checkKnown(PolicyFields.NOTIFY);
            boolean slack = item.has("slack");
            boolean webhook = item.has("webhook");
            if (slack && webhook) {
                problem(item.keyPos("webhook"), item.path, "a notify entry is either slack or webhook; make two entries");
                continue;
            }
            if (!slack && !webhook) {
                if (item.map.entries().isEmpty() || item.map.entries().keySet().stream().allMatch(PolicyFields.NOTIFY::contains)) {
                    problem(item.anchor, item.path, "a notify entry needs slack: {secretRef: ...} or webhook: {url: ...}");
                }
                continue;
            }
            if (slack) {
                YamlNode node = item.get("slack");
                if (node instanceof Scalar s && !s.isNull()) {
                    problem(s.pos(), item.path("slack"), "put the Slack URL in a Secret and name it with secretRef: "
                            + "slack: {secretRef: my-slack-secret}");
                    continue;
                }
                Obj sl = item.obj("slack", true);
                if (sl == null) continue;
                if (sl.has("url")) {
                    problem(sl.pos("url"), sl.path("url"), "put the Slack URL in a Secret and name it with secretRef");
                }
                sl.checkKnown(PolicyFields.SLACK, "url");
                String ref = sl.text("secretRef", !sl.has("url"));
                if (ref != null && sl.check("secretRef", Names.OBJECT.check("secretRef", ref))) ref = null;
                if (ref != null && !sl.has("url")) out.add(new NotifySpec(NotifySpec.Kind.SLACK, null, ref));
            } else {
                Obj wh = item.obj("webhook", true);
                if (wh == null) continue;
                wh.checkKnown(PolicyFields.WEBHOOK);
                String url = wh.text("url", true);
                boolean ok = url != null && !wh.check("url", WebhookUrls.problem(url).map(wrong -> "url " + wrong));
                String ref = wh.text("secretRef", false);
                if (ref != null && wh.check("secretRef", Names.OBJECT.check("secretRef", ref))) ok = false;
                if (ok) out.add(new NotifySpec(NotifySpec.Kind.WEBHOOK, url, ref));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private static String didYouMean(String word, List<String> known) {
        return Suggestions.closest(word, known).map(s -> "; did you mean \"" + s + "\"?").orElse("");
    }

    private void problem(Pos pos, String field, String message) {
        problems.add(pos, field, message);
    }

    private static Map<String, String> homes() {
        Map<String, String> h = new LinkedHashMap<>();
        // Later puts win: a name known at several levels (name, query, url...) is sent to its likeliest home.
        put(h, PolicyFields.WEBHOOK, "a webhook notify entry");
        put(h, PolicyFields.ARM, "target.istio.baseline / canary");
        put(h, PolicyFields.HEADER_ROUTE, "a step's headerRoute");
        put(h, PolicyFields.NO_DATA, "spec.noData");
        put(h, PolicyFields.KSERVE, "spec.target.kserve");
        put(h, PolicyFields.ISTIO, "spec.target.istio");
        put(h, PolicyFields.TARGET, "spec.target");
        put(h, PolicyFields.CHECK, "a check (spec.checks[])");
        put(h, PolicyFields.STEP, "a step (spec.steps[])");
        put(h, PolicyFields.METADATA, "metadata");
        put(h, PolicyFields.SPEC, "spec");
        put(h, PolicyFields.TOP, "the top level of the file");
        return Map.copyOf(h);
    }

    private static void put(Map<String, String> h, List<String> fields, String where) {
        for (String f : fields) h.put(f, where);
    }

    /** A mapping being validated, with its path and the position to blame for fields missing from it. */
    private final class Obj {
        final Mapping map;
        final String path;
        final Pos anchor;

        Obj(Mapping map, String path, Pos anchor) {
            this.map = map;
            this.path = path;
            this.anchor = anchor;
        }

        /** The dotted path to {@code key}; a key that is not a plain word is quoted, so " " cannot look blank. */
        String path(String key) {
            String k = PLAIN_KEY.matcher(key).matches() ? key : OneLine.quote(key);
            return path.isEmpty() ? k : path + "." + k;
        }

        boolean has(String key) {
            return map.entries().containsKey(key);
        }

        YamlNode get(String key) {
            Entry e = map.entries().get(key);
            return e == null ? null : e.value();
        }

        Pos keyPos(String key) {
            Entry e = map.entries().get(key);
            return e == null ? anchor : e.keyPos();
        }

        /** Position of the value (where a wrong value is); the key's position when the value is empty. */
        Pos pos(String key) {
            Entry e = map.entries().get(key);
            if (e == null) return anchor;
            return e.value() instanceof Scalar s && s.isNull() ? e.keyPos() : e.value().pos();
        }

        String raw(String key) {
            return get(key) instanceof Scalar s ? s.text() : String.valueOf(get(key));
        }

        void checkKnown(List<String> known, String... alsoAccepted) {
            for (Entry e : map.entries().values()) {
                String key = e.key();
                if (known.contains(key) || Arrays.asList(alsoAccepted).contains(key)) continue;
                Optional<String> close = Suggestions.closest(key, known);
                String message;
                if (close.isPresent()) {
                    message = "unknown field " + OneLine.quote(key) + "; did you mean \"" + close.get() + "\"?";
                } else if (HOME.containsKey(key)) {
                    message = "unknown field \"" + key + "\" here; " + key + " belongs in " + HOME.get(key)
                            + " (check the indentation)";
                } else {
                    message = "unknown field " + OneLine.quote(key) + "; known fields here: " + String.join(", ", known);
                }
                problem(e.keyPos(), path(key), message);
            }
        }

        /** An empty value (key: with nothing after it) is a mistake worth reporting, not the same as absent. */
        private Scalar scalar(String key) {
            YamlNode node = get(key);
            if (node == null) return null;
            if (!(node instanceof Scalar s)) {
                problem(node.pos(), path(key), "expected a single value here, found " + node.kindName());
                return null;
            }
            if (s.isNull()) {
                problem(keyPos(key), path(key), key + " has no value; give it one or remove the line");
                return null;
            }
            return s;
        }

        private void missing(String key) {
            problem(anchor, path(key), (path.isEmpty() ? "" : path + ".") + key + " is missing");
        }

        String text(String key, boolean required) {
            if (required && !has(key)) {
                missing(key);
                return null;
            }
            Scalar s = scalar(key);
            if (s == null) return null;
            if (s.text().isBlank()) {
                problem(s.pos(), path(key), key + " is empty");
                return null;
            }
            return s.text();
        }

        Obj obj(String key, boolean required) {
            YamlNode node = get(key);
            if (node == null) {
                if (required) missing(key);
                return null;
            }
            if (node instanceof Mapping m) return new Obj(m, path(key), keyPos(key));
            if (node instanceof Scalar s && s.isNull()) {
                problem(keyPos(key), path(key), key + " has no value; give it one or remove the line");
            } else {
                problem(node.pos(), path(key), "expected a mapping (key: value lines) here, found " + node.kindName());
            }
            return null;
        }

        Obj child(String key) {
            return obj(key, false);
        }

        /** The items of a list of mappings; items that are not mappings are reported and skipped. */
        List<Obj> list(String key, boolean required) {
            YamlNode node = get(key);
            if (node == null) {
                if (required) missing(key);
                return null;
            }
            if (!(node instanceof Sequence seq)) {
                problem(node instanceof Scalar s && s.isNull() ? keyPos(key) : node.pos(), path(key),
                        "expected a list (lines starting with -) here, found " + node.kindName());
                return null;
            }
            List<Obj> out = new ArrayList<>();
            for (int i = 0; i < seq.items().size(); i++) {
                YamlNode item = seq.items().get(i);
                String itemPath = path(key) + "[" + i + "]";
                if (item instanceof Mapping m) {
                    out.add(new Obj(m, itemPath, item.pos()));
                } else {
                    problem(item.pos(), itemPath, "expected a mapping (key: value lines) here, found " + item.kindName());
                }
            }
            return out;
        }

        Duration duration(String key, Duration absent, boolean allowZero) {
            if (!has(key)) return absent;
            Scalar s = scalar(key);
            if (s == null) return null;
            Duration d;
            try {
                d = Durations.parse(s.text());
            } catch (IllegalArgumentException e) {
                problem(s.pos(), path(key), e.getMessage());
                return null;
            }
            if (!allowZero && d.isZero()) {
                problem(s.pos(), path(key), key + " must be above 0, e.g. " + Durations.format(absent == null
                        ? DEFAULT_INTERVAL : absent));
                return null;
            }
            return d;
        }

        TimeoutAction action(String key, TimeoutAction absent) {
            if (!has(key)) return absent;
            Scalar s = scalar(key);
            if (s == null) return null;
            if (!ACTIONS.contains(s.text())) {
                problem(s.pos(), path(key), key + " must be rollback or pause, found " + OneLine.quote(s.text())
                        + didYouMean(s.text(), ACTIONS));
                return null;
            }
            return TimeoutAction.valueOf(s.text().toUpperCase(Locale.ROOT));
        }

        /** A whole number that fits a long; every other spelling is reported (see {@link NumberSyntax}). */
        Long integer(String key, Long absent) {
            if (!has(key)) return absent;
            Scalar s = scalar(key);
            if (s == null) return null;
            return read(key, s, NumberSyntax.wholeNumber(s)) instanceof NumberSyntax.Value v
                    ? v.value().longValueExact() : null;
        }

        /** A finite number; NaN, infinities and YAML 1.1's other spellings are reported. */
        Double number(String key, Double absent) {
            if (!has(key)) return absent;
            Scalar s = scalar(key);
            if (s == null) return null;
            return read(key, s, NumberSyntax.number(s)) instanceof NumberSyntax.Value v ? v.value().doubleValue() : null;
        }

        private NumberSyntax.Reading read(String key, Scalar s, NumberSyntax.Reading r) {
            if (r instanceof NumberSyntax.Wrong w) problem(s.pos(), path(key), key + " " + w.message());
            return r;
        }

        /** Reports {@code wrong}, a whole message, at the key's value; true when there was something to report. */
        boolean check(String key, Optional<String> wrong) {
            wrong.ifPresent(m -> problem(pos(key), path(key), m));
            return wrong.isPresent();
        }

        /**
         * A share written as a percent ({@code 10%}) or a fraction ({@code 0.1}). A bare number above 1 is refused:
         * "tolerance: 10" is far likelier to mean 10% than 1000%.
         */
        Double fraction(String key, String what) {
            if (!has(key)) return null;
            Scalar s = scalar(key);
            if (s == null) return null;
            String t = s.text().trim();
            if (s.isString() && t.endsWith("%") && t.length() > 1) {
                NumberSyntax.Reading r = NumberSyntax.decimal(t.substring(0, t.length() - 1));
                if (r instanceof NumberSyntax.Wrong w) {
                    problem(s.pos(), path(key), what + " " + w.message()); // "tolerance 1e400 is too large"
                    return null;
                }
                double pct = ((NumberSyntax.Value) r).value().doubleValue();
                if (pct < 0) {
                    problem(s.pos(), path(key), what + " " + t + " is negative");
                    return null;
                }
                if (key.equals("minAgreement") && pct > 100) {
                    problem(s.pos(), path(key), what + " " + t + " is above 100%");
                    return null;
                }
                return pct / 100.0;
            } else if (s.isNumber()) {
                if (!(read(key, s, NumberSyntax.number(s)) instanceof NumberSyntax.Value number)) return null;
                double v = number.value().doubleValue();
                if (v < 0) {
                    problem(s.pos(), path(key), what + " " + t + " is negative");
                    return null;
                }
                if (v > 1) {
                    BigDecimal hundred = BigDecimal.valueOf(100);
                    problem(s.pos(), path(key), what + " " + t + " reads as "
                            + NumberSyntax.plain(number.value().multiply(hundred)) + "%; write a percent like " + t
                            + "% or a fraction like " + NumberSyntax.plain(number.value().divide(hundred)));
                    return null;
                }
                return v;
            }
            problem(s.pos(), path(key), what + " must be a percent like 10% or a fraction like 0.1, found "
                    + s.kindName());
            return null;
        }
    }
}
