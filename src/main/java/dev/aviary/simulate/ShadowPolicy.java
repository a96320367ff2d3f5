package dev.aviary.simulate;

import dev.aviary.checks.shadow.ShadowAgreement;
import dev.aviary.checks.shadow.SourceSpec;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.Policy;
import dev.aviary.shadow.CompareSpec;
import dev.aviary.shadow.ProtocolSpec;
import dev.aviary.shadow.ReplaySpec;
import dev.aviary.traffic.ArmEndpoints;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * The policy of a shadow scenario: the simulated policy plus the shadow-agreement check a user would add (replay,
 * top-1, default minPairs), which takes its share of the policy's alpha like any other check.
 */
final class ShadowPolicy {

    static final String CHECK = "agreement";

    private ShadowPolicy() {}

    static Policy withAgreementCheck(Policy p, Scenario.Shadow shadow) {
        ArmEndpoints endpoints = new ArmEndpoints(new ArmEndpoints.Endpoint(URI.create("http://baseline.simulated")),
                new ArmEndpoints.Endpoint(URI.create("http://canary.simulated")), "simulated");
        ReplaySpec replay = new ReplaySpec("simulated", new ProtocolSpec("v2", "model", null, null, null, List.of()), endpoints,
                shadow.pairsPerSecond(), ReplaySpec.DEFAULT_CONCURRENCY, ReplaySpec.DEFAULT_TIMEOUT, CompareSpec.TOP1);
        List<CheckSpec> checks = new ArrayList<>(p.checks());
        checks.add(new ShadowAgreement.Spec(CHECK, shadow.minAgreement(), ShadowAgreement.DEFAULT_MIN_PAIRS, new SourceSpec(replay, null, null)));
        return new Policy(p.name(), p.namespace(), p.target(), p.interval(), p.steps(), p.maxStepDuration(), p.onTimeout(), p.noData(),
                checks, p.alpha(), p.minRequests(), p.notifications(), p.source(), p.hash());
    }
}
