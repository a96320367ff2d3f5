package dev.aviary.sim.kserve;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What Knative Serving does with the Knative Service KServe writes for a predictor ({@code {isvc}-predictor}): every
 * change of the revision template mints a revision {@code {ksvc}-0000N}, ready after {@code settle}; the route's
 * traffic, with {@code latestRevision} entries resolved to the latest ready revision, is programmed (and reported in
 * the status) {@code settle} after it changed. Until both have settled the service reports Ready Unknown, as
 * Knative's ConfigurationsReady and RoutesReady do while a revision starts or the ingress is reprogrammed.
 *
 * <p>Mutable per InferenceService, owned by one simulator thread.
 */
final class KnativeService {

    /** One revision: the template it was minted from and the model it serves. */
    record Revision(String name, Object template, String model, Instant readyAt) {}

    /** What the Knative Service reports: Knative's ServiceStatus, the parts KServe reads. */
    record Status(String latestCreatedRevision, String latestReadyRevision, List<TrafficTarget> traffic, boolean configurationsReady,
            boolean routesReady) {
        boolean ready() {
            return configurationsReady && routesReady;
        }
    }

    private final String name;
    private final String namespace;
    private final String domain;
    private final Duration settle;
    private final List<Revision> revisions = new ArrayList<>();
    private List<TrafficTarget> wanted = List.of();
    private Instant wantedSince = Instant.EPOCH;
    private List<TrafficTarget> programmed = List.of();

    KnativeService(String name, String namespace, String domain, Duration settle) {
        this.name = name;
        this.namespace = namespace;
        this.domain = domain;
        this.settle = settle;
    }

    String name() {
        return name;
    }

    List<Revision> revisions() {
        return List.copyOf(revisions);
    }

    /** A revision that already ran before the simulation started: ready at once. */
    String seed(Object template, String model) {
        Revision r = new Revision(revisionName(revisions.size() + 1), template, model, Instant.EPOCH);
        revisions.add(r);
        return r.name();
    }

    /** The route as it already was before the simulation started (programmed, nothing pending). */
    void seedRoute(List<TrafficTarget> traffic) {
        wanted = List.copyOf(traffic);
        programmed = wanted;
    }

    /**
     * Reconcile once: a new revision when {@code template} changed, then the route for {@code spec} (KServe's
     * desired traffic: revision names, or null revision names for latestRevision entries).
     */
    Status reconcile(Object template, String model, List<TrafficTarget> spec, Instant now) {
        Revision latest = revisions.isEmpty() ? null : revisions.get(revisions.size() - 1);
        if (latest == null || !Objects.equals(latest.template(), template)) {
            latest = new Revision(revisionName(revisions.size() + 1), template, model, now.plus(settle));
            revisions.add(latest);
        }
        Revision ready = null;
        for (Revision r : revisions) if (!r.readyAt().isAfter(now)) ready = r;
        List<TrafficTarget> resolved = ready == null ? List.of() : resolve(spec, ready.name());
        if (!resolved.equals(wanted)) {
            wanted = resolved;
            wantedSince = now;
        }
        if (!now.isBefore(wantedSince.plus(settle))) programmed = wanted;
        return new Status(latest.name(), ready == null ? null : ready.name(), programmed, ready == latest,
                !programmed.isEmpty() && programmed.equals(wanted));
    }

    /** The revision serving a model name, for traffic: the one the status names. */
    Revision revision(String revisionName) {
        for (Revision r : revisions) if (r.name().equals(revisionName)) return r;
        return null;
    }

    private List<TrafficTarget> resolve(List<TrafficTarget> spec, String latestReady) {
        List<TrafficTarget> out = new ArrayList<>();
        for (TrafficTarget t : spec) {
            String rev = t.latestRevision() ? latestReady : t.revisionName();
            // Knative's default tag template {{.Tag}}-{{.Name}} under the domain template {{.Name}}.{{.Namespace}}.{{.Domain}}
            String url = t.tag() == null ? null : "http://" + t.tag() + "-" + name + "." + namespace + "." + domain;
            out.add(new TrafficTarget(rev, t.latestRevision(), t.percent(), t.tag(), url));
        }
        return out;
    }

    private String revisionName(int n) {
        return String.format("%s-%05d", name, n);
    }
}
