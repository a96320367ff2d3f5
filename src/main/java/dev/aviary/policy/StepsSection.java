package dev.aviary.policy;

import dev.aviary.policy.Step.HeaderMatch;
import dev.aviary.policy.Step.HeaderMatch.MatchType;
import dev.aviary.policy.YamlNode.Pos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Validates {@code spec.steps}: each step's one action (or pause), their order, and the last step promoting. */
final class StepsSection {

    private final PolicyNode spec;

    StepsSection(PolicyNode spec) {
        this.spec = spec;
    }

    List<Step> read(Target target, Duration interval, Duration maxStepDuration) {
        List<PolicyNode> items = spec.list("steps", true);
        if (items == null) return List.of();
        if (items.isEmpty()) {
            spec.problem(spec.pos("steps"), spec.path("steps"), "steps is empty; list the traffic steps, ending with "
                    + "- weight: 100");
            return List.of();
        }
        List<Step> steps = new ArrayList<>();
        Integer previousWeight = null;
        Step lastValid = null;
        PolicyNode lastItem = null;
        boolean trafficBefore = false;
        for (PolicyNode item : items) {
            lastItem = item;
            Step step = step(item, interval, maxStepDuration);
            steps.add(step);
            lastValid = step;
            boolean firstTraffic = !trafficBefore;
            if (!item.has("pause")) trafficBefore = true;
            if (step == null) continue;
            if (step.isPromotion() && firstTraffic) {
                // 100% to a canary no check has judged yet is a deploy, not a canary rollout
                spec.problem(item.pos("weight"), item.path("weight"), item != items.get(0)
                        ? "the first traffic step is weight 100, which would promote the canary as soon as the pause before it"
                        + " is approved, before any check has judged it; add a judged step first, e.g. - weight: 10"
                        : items.size() == 1
                        ? "the only step is weight 100, which would promote the canary at once, before any check has "
                        + "judged it; add a judged step first, e.g. - weight: 10"
                        : "the first step is weight 100, which would promote the canary at once, before any check has "
                        + "judged it; start with a smaller weight or a headerRoute step");
            }
            switch (step.kind()) {
                case PAUSE -> { } // holds the weights before it: nothing to order
                case WEIGHT -> {
                    if (previousWeight != null && step.weight() <= previousWeight) {
                        spec.problem(item.pos("weight"), item.path("weight"), "weight " + step.weight()
                                + " is not above the previous step's " + previousWeight + "; weights must increase");
                    }
                    previousWeight = step.weight();
                }
                case HEADER_ROUTE, MIRROR -> {
                    String field = step.kind() == Step.Kind.MIRROR ? "mirror" : "headerRoute";
                    if (previousWeight != null) {
                        spec.problem(item.pos(field), item.path(field), "a " + (field.equals("mirror") ? "mirror" : "header-route")
                                + " step after weight " + previousWeight + " would take the canary's share away "
                                + "again; put header-route and mirror steps before the weight steps");
                    }
                    TargetSection.kindOf(target).flatMap(k -> k.refuses(step.kind(), field))
                            .ifPresent(why -> spec.problem(item.pos(field), item.path(field), why));
                }
            }
        }
        if (lastValid != null && !lastValid.isPromotion()) {
            Pos at = lastItem.has("weight") ? lastItem.pos("weight") : lastItem.anchor;
            spec.problem(at, lastItem.path, "the last step is " + lastValid.describe() + ", so the canary would never be "
                    + "promoted; end the steps with - weight: 100");
        }
        return steps;
    }

    private Step step(PolicyNode item, Duration interval, Duration maxStepDuration) {
        item.checkKnown(PolicyFields.STEP);
        List<String> actions = new ArrayList<>();
        for (String k : List.of("weight", "headerRoute", "mirror", "pause")) if (item.has(k)) actions.add(k);
        if (actions.isEmpty()) {
            // A misspelt "weigth" is already reported with a did-you-mean; saying "needs a weight" too is noise.
            if (item.map.entries().keySet().stream().allMatch(PolicyFields.STEP::contains)) {
                spec.problem(item.anchor, item.path, "a step needs one of weight, headerRoute, mirror or pause");
            }
            return null;
        }
        if (actions.size() > 1) {
            spec.problem(item.keyPos(actions.get(1)), item.path, "a step does one thing, but this one has "
                    + String.join(" and ", actions) + "; split it into separate steps");
            return null;
        }
        int before = spec.problemCount();
        if (actions.get(0).equals("pause")) return gate(item, before);
        Integer weight = null;
        Integer mirror = null;
        HeaderMatch header = null;
        switch (actions.get(0)) {
            case "weight" -> {
                Long w = item.integer("weight", null);
                if (w != null && (w < 0 || w > 100)) {
                    spec.problem(item.pos("weight"), item.path("weight"), "weight " + w + " is outside 0–100; it is the "
                            + "canary's percentage of traffic");
                } else if (w != null) {
                    weight = w.intValue();
                }
            }
            case "mirror" -> {
                Long m = item.integer("mirror", null);
                if (m != null && (m < 1 || m > 100)) {
                    spec.problem(item.pos("mirror"), item.path("mirror"), "mirror " + m + " is outside 1–100; it is the "
                            + "percentage of traffic copied to the canary");
                } else if (m != null) {
                    mirror = m.intValue();
                }
            }
            default -> header = headerRoute(item.obj("headerRoute", true));
        }
        Duration minDuration = item.duration("minDuration", interval, true);
        if (minDuration != null && maxStepDuration != null && minDuration.compareTo(maxStepDuration) > 0) {
            spec.problem(item.pos("minDuration"), item.path("minDuration"), "minDuration " + Durations.format(minDuration)
                    + " is longer than maxStepDuration " + Durations.format(maxStepDuration)
                    + ", so this step would always time out; shorten it or raise spec.maxStepDuration");
        }
        if (spec.problemCount() > before || (weight == null && mirror == null && header == null)) {
            return null;
        }
        return new Step(weight, header, mirror, minDuration);
    }

    /** A pause step: {@code pause: {}} waits for approval, {@code pause: {duration: 30m}} continues by itself after 30m. */
    private Step gate(PolicyNode item, int before) {
        if (!(item.get("pause") instanceof YamlNode.Mapping)) {
            spec.problem(item.pos("pause"), item.path("pause"), "pause takes a mapping: pause: {} waits for approval,"
                    + " pause: {duration: 30m} continues by itself after 30m unless approved sooner");
            return null;
        }
        PolicyNode pause = item.obj("pause", true);
        pause.checkKnown(PolicyFields.PAUSE);
        Duration after = pause.duration("duration", null, false);
        if (item.has("minDuration")) {
            spec.problem(item.keyPos("minDuration"), item.path("minDuration"), "a pause step has no minDuration: it waits"
                    + " for approval, or for pause.duration (e.g. pause: {duration: 30m}); remove minDuration here");
        }
        return spec.problemCount() > before ? null : Step.gate(after);
    }

    private HeaderMatch headerRoute(PolicyNode hr) {
        if (hr == null) return null;
        hr.checkKnown(PolicyFields.HEADER_ROUTE);
        String header = hr.text("header", true);
        if (header != null && hr.check("header", Names.header(header))) header = null;
        List<String> kinds = new ArrayList<>();
        for (String k : List.of("exact", "prefix", "regex")) if (hr.has(k)) kinds.add(k);
        if (kinds.isEmpty()) {
            spec.problem(hr.anchor, hr.path, "headerRoute needs one of exact, prefix or regex, e.g. "
                    + "{header: user-group, exact: canary}");
            return null;
        }
        if (kinds.size() > 1) {
            spec.problem(hr.keyPos(kinds.get(1)), hr.path, "headerRoute takes one of exact, prefix or regex, not "
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
}
