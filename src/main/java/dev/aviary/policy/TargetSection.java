package dev.aviary.policy;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Validates {@code spec.target}: exactly one kind of target, read by that kind's own section. */
final class TargetSection {

    /** Every kind of target a policy may name, in the order messages list them. A new kind registers here. */
    static final List<TargetKind> KINDS = List.of(new IstioTargetSection(), new KServeTargetSection());

    private TargetSection() {}

    /** The kind that reads into {@code target}'s record; empty for null. */
    static Optional<TargetKind> kindOf(Target target) {
        return KINDS.stream().filter(k -> k.type().isInstance(target)).findFirst();
    }

    static Target read(PolicyNode spec) {
        PolicyNode target = spec.obj("target", false);
        if (target == null) {
            if (!spec.has("target")) {
                spec.problem(spec.anchor, "spec.target", "spec.target is missing; say what moves traffic: "
                        + KINDS.stream().map(k -> "target." + k.field() + " (" + k.movesFully() + ")")
                        .collect(Collectors.joining(" or ")));
            }
            return null;
        }
        target.checkKnown(PolicyFields.TARGET);
        List<TargetKind> named = KINDS.stream().filter(k -> target.has(k.field())).toList();
        if (named.size() > 1) {
            String second = named.get(1).field();
            target.problem(target.pos(second), target.path(second), "target has both "
                    + named.stream().map(TargetKind::field).collect(Collectors.joining(" and "))
                    + "; a policy moves traffic on one of them, so keep one");
            return null;
        }
        if (named.isEmpty()) {
            if (target.map.entries().keySet().stream().allMatch(PolicyFields.TARGET::contains)) {
                target.problem(target.anchor, target.path, "target needs " + KINDS.stream()
                        .map(k -> k.field() + " (" + k.moves() + ")").collect(Collectors.joining(" or ")));
            }
            return null;
        }
        TargetKind kind = named.get(0);
        PolicyNode node = target.obj(kind.field(), true);
        return node == null ? null : kind.read(node);
    }
}
