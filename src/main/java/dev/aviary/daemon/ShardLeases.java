package dev.aviary.daemon;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Which rollouts this replica drives, with Kubernetes as the coordinator. Rollouts are hashed onto S shards
 * ({@link ShardMap#shardOf}); shard i is the Lease {@code <prefix>-i} in Aviary's namespace, and only its holder
 * ticks the shard's rollouts. Every retry period each replica:
 * <ol>
 * <li>writes its heartbeat into the members Lease ({@code <prefix>-members}, one annotation listing each replica's
 * last heartbeat; entries older than the lease duration are dropped), and counts the live replicas there;</li>
 * <li>renews the shards it holds, up to its fair share ceil(S / live), and releases the rest (it stops ticking them
 * first), so a replica that joins finds shards free;</li>
 * <li>while below its share, takes shards that are free (no holder, released) or expired (not renewed within their
 * lease duration: their holder died), starting at a place of its own so replicas do not all race for shard 0.</li>
 * </ol>
 * Every write is a get/create/update guarded by the Lease's resourceVersion, so two replicas never both win a shard.
 * A replica ticks a shard only until its last successful renewal plus the renew deadline, which is shorter than the
 * lease duration: a replica cut off from the API server stops before anyone may take its shards over. What is left
 * (clock skew between nodes beyond the lease duration minus the renew deadline, a tick that outlives the deadline) is
 * fenced by the CanaryRollout's resourceVersion, which guards each of the controller's writes: of two replicas that
 * read the same state, one write wins and the other tick ends in a conflict. A dead replica's shards are taken over
 * once their Leases expire, and continue from their CanaryRollouts, which hold all of a rollout's state.
 * With S = 1 this is plain leader election.
 */
final class ShardLeases {

    private static final Logger LOG = Logger.getLogger(ShardLeases.class);
    static final String MEMBERS_ANNOTATION = "aviary.dev/members";

    /** Timings as an operator configures them; renewDeadline below leaseDuration, retryPeriod below renewDeadline. */
    record Settings(String namespace, String prefix, int shards, Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        Settings {
            if (shards < 1) throw new IllegalArgumentException("aviary.leader-election.shards must be at least 1, not " + shards);
            if (renewDeadline.compareTo(leaseDuration) >= 0 || retryPeriod.compareTo(renewDeadline) >= 0) {
                throw new IllegalArgumentException("aviary.leader-election needs retry-period < renew-deadline < lease-duration, not "
                        + retryPeriod + ", " + renewDeadline + ", " + leaseDuration);
            }
        }

        String shardName(int shard) {
            return prefix + "-" + shard;
        }

        String membersName() {
            return prefix + "-members";
        }
    }

    private final KubernetesClient client;
    private final Settings settings;
    private final String identity;
    private final Clock clock;
    /** Shard -> until when (this replica's clock) its rollouts may be ticked here: last renewal's start + renew deadline. */
    private final Map<Integer, Instant> held = new ConcurrentHashMap<>();
    /** The last version this replica wrote of each Lease it holds: renewals need no read while nobody else writes. */
    private final Map<Integer, Lease> written = new ConcurrentHashMap<>();
    private volatile int liveReplicas = 1;
    private ScheduledExecutorService timer;

    ShardLeases(KubernetesClient client, Settings settings, String identity, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.identity = identity;
        this.clock = clock;
    }

    synchronized void start() {
        if (timer != null) return;
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "shard-leases");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::round, 0, settings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Stop taking part. With {@code release}, the shards are handed back at once (and this replica leaves the members),
     * so others take them over within a retry period; without it (a crash), they expire after the lease duration.
     */
    synchronized void stop(boolean release) {
        if (timer == null) return;
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS); // a round in progress finishes its write before we release
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer = null;
        List<Integer> mine = new ArrayList<>(held.keySet());
        held.clear();
        if (release) {
            mine.forEach(this::release);
            leaveMembers();
        }
        written.clear();
    }

    /** Whether this replica may tick the rollout now. */
    boolean drives(String rolloutKey) {
        return holds(ShardMap.shardOf(rolloutKey, settings.shards()));
    }

    boolean holds(int shard) {
        Instant until = held.get(shard);
        return until != null && clock.instant().isBefore(until);
    }

    /** The shards this replica may tick now. */
    Set<Integer> holding() {
        Set<Integer> now = new TreeSet<>();
        held.keySet().forEach(s -> {
            if (holds(s)) now.add(s);
        });
        return now;
    }

    int liveReplicas() {
        return liveReplicas;
    }

    String identity() {
        return identity;
    }

    /** One round: heartbeat, renew or release, acquire. Never throws: the next round retries. */
    void round() {
        try {
            Instant start = clock.instant();
            liveReplicas = heartbeat(start);
            int share = ShardMap.fairShare(settings.shards(), liveReplicas);
            List<Integer> mine = new ArrayList<>(new TreeSet<>(held.keySet()));
            for (int i = 0; i < mine.size(); i++) {
                if (i < share) renew(mine.get(i), start);
                else release(mine.get(i));
            }
            int first = (int) Math.floorMod(TickSchedule.hash(identity), (long) settings.shards());
            for (int k = 0; k < settings.shards() && held.size() < share; k++) {
                int shard = (first + k) % settings.shards();
                if (!held.containsKey(shard)) acquire(shard, start);
            }
        } catch (RuntimeException e) {
            LOG.warnf("shard leases: %s; the next round retries", e.getMessage());
        }
    }

    /** Writes this replica's heartbeat; answers how many replicas are live (this one included). */
    private int heartbeat(Instant now) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Lease lease = leases().withName(settings.membersName()).get();
            Map<String, Long> members = lease == null ? new LinkedHashMap<>() : parseMembers(lease);
            members.values().removeIf(beat -> now.toEpochMilli() - beat > settings.leaseDuration().toMillis());
            members.put(identity, now.toEpochMilli());
            try {
                if (lease == null) {
                    leases().resource(new LeaseBuilder().withMetadata(new ObjectMetaBuilder().withName(settings.membersName())
                            .withNamespace(settings.namespace()).addToAnnotations(MEMBERS_ANNOTATION, formatMembers(members)).build())
                            .withNewSpec().endSpec().build()).create();
                } else {
                    writeMembers(lease, members);
                }
                return members.size();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) throw e; // another replica wrote its heartbeat meanwhile: read again
            }
        }
        return liveReplicas;
    }

    private void leaveMembers() {
        try {
            Lease lease = leases().withName(settings.membersName()).get();
            if (lease == null) return;
            Map<String, Long> members = parseMembers(lease);
            if (members.remove(identity) == null) return;
            writeMembers(lease, members);
        } catch (KubernetesClientException e) {
            LOG.debugf("could not leave the members Lease (%s); the entry expires by itself", e.getMessage());
        }
    }

    private void writeMembers(Lease lease, Map<String, Long> members) {
        if (lease.getMetadata().getAnnotations() == null) lease.getMetadata().setAnnotations(new LinkedHashMap<>());
        lease.getMetadata().getAnnotations().put(MEMBERS_ANNOTATION, formatMembers(members));
        leases().resource(lease).update();
    }

    /** Renews from the version this replica last wrote; a conflict (someone else wrote it) reads it again at once. */
    private void renew(int shard, Instant start) {
        Lease lease = written.get(shard);
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                if (lease == null) lease = leases().withName(settings.shardName(shard)).get();
                if (lease == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
                    lost(shard, "taken over");
                    return;
                }
                lease.getSpec().setRenewTime(at(start));
                remember(shard, leases().resource(lease).update(), start);
                return;
            } catch (KubernetesClientException e) {
                written.remove(shard);
                lease = null;
                if (e.getCode() == 409) continue;
                if (!holds(shard)) lost(shard, "not renewed within the renew deadline (" + e.getMessage() + ")");
                return;
            }
        }
    }

    private void acquire(int shard, Instant start) {
        try {
            Lease lease = leases().withName(settings.shardName(shard)).get();
            if (lease == null) {
                remember(shard, leases().resource(new LeaseBuilder().withNewMetadata().withName(settings.shardName(shard))
                        .withNamespace(settings.namespace()).endMetadata().withNewSpec().withHolderIdentity(identity)
                        .withLeaseDurationSeconds(leaseSeconds()).withAcquireTime(at(start)).withRenewTime(at(start))
                        .withLeaseTransitions(0).endSpec().build()).create(), start);
            } else if (free(lease, start)) {
                var spec = lease.getSpec();
                spec.setHolderIdentity(identity);
                spec.setLeaseDurationSeconds(leaseSeconds());
                spec.setAcquireTime(at(start));
                spec.setRenewTime(at(start));
                spec.setLeaseTransitions(spec.getLeaseTransitions() == null ? 1 : spec.getLeaseTransitions() + 1);
                remember(shard, leases().resource(lease).update(), start);
            } else {
                return;
            }
            LOG.infof("%s drives shard %d of %d", identity, shard, settings.shards());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) LOG.debugf("shard %d: %s", shard, e.getMessage()); // 409: another replica won it
        }
    }

    /** Hand a shard back: stop ticking it first, then clear the holder so another replica takes it at once. */
    private void release(int shard) {
        held.remove(shard);
        Lease lease = written.remove(shard);
        try {
            if (lease == null) lease = leases().withName(settings.shardName(shard)).get();
            if (lease == null || !identity.equals(lease.getSpec().getHolderIdentity())) return;
            lease.getSpec().setHolderIdentity(null);
            leases().resource(lease).update();
            LOG.infof("%s released shard %d", identity, shard);
        } catch (KubernetesClientException e) {
            LOG.debugf("could not release shard %d (%s); it expires by itself", shard, e.getMessage());
        }
    }

    private void remember(int shard, Lease lease, Instant start) {
        written.put(shard, lease);
        held.put(shard, start.plus(settings.renewDeadline()));
    }

    private void lost(int shard, String why) {
        held.remove(shard);
        written.remove(shard);
        LOG.infof("%s no longer drives shard %d: %s", identity, shard, why);
    }

    /**
     * Free to take: never held, released, not renewed within its lease duration (its holder is gone), or still this
     * replica's own (it stopped ticking after a failed renewal, and takes it back without waiting for it to expire).
     */
    private boolean free(Lease lease, Instant now) {
        var spec = lease.getSpec();
        if (spec == null || spec.getHolderIdentity() == null || spec.getHolderIdentity().isEmpty()) return true;
        if (identity.equals(spec.getHolderIdentity())) return true;
        if (spec.getRenewTime() == null || spec.getLeaseDurationSeconds() == null) return true;
        return !now.isBefore(spec.getRenewTime().toInstant().plusSeconds(spec.getLeaseDurationSeconds()));
    }

    private int leaseSeconds() {
        return (int) Math.max(1, (settings.leaseDuration().toMillis() + 999) / 1000);
    }

    private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<Lease, io.fabric8.kubernetes.api.model.coordination.v1.LeaseList,
            io.fabric8.kubernetes.client.dsl.Resource<Lease>> leases() {
        return client.leases().inNamespace(settings.namespace());
    }

    private static ZonedDateTime at(Instant instant) {
        return instant.atZone(ZoneOffset.UTC);
    }

    /** "identity=epochMillis,..." */
    static Map<String, Long> parseMembers(Lease lease) {
        Map<String, Long> members = new LinkedHashMap<>();
        Map<String, String> annotations = lease.getMetadata().getAnnotations();
        String text = annotations == null ? null : annotations.get(MEMBERS_ANNOTATION);
        if (text == null || text.isBlank()) return members;
        for (String entry : text.split(",")) {
            int eq = entry.lastIndexOf('=');
            if (eq <= 0) continue;
            try {
                members.put(entry.substring(0, eq), Long.parseLong(entry.substring(eq + 1)));
            } catch (NumberFormatException e) {
                // a hand-edited entry: ignored, it is no replica's heartbeat
            }
        }
        return members;
    }

    static String formatMembers(Map<String, Long> members) {
        List<String> entries = new ArrayList<>();
        members.forEach((id, beat) -> entries.add(id + "=" + beat));
        Collections.sort(entries);
        return String.join(",", entries);
    }
}
