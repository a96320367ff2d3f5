package dev.aviary.daemon;

/**
 * Which shard a rollout belongs to, and how many shards each replica should hold. Pure arithmetic: every replica
 * computes the same answers from the same inputs.
 */
final class ShardMap {

    private ShardMap() {
    }

    /**
     * Jump consistent hash (Lamping and Veach, 2014) of the rollout's namespace/name onto {@code shards} buckets: when
     * an operator changes the number of shards, only the rollouts that must move do (about 1/S of them), so a
     * resize hands few rollouts from one replica to another.
     */
    static int shardOf(String rolloutKey, int shards) {
        long key = TickSchedule.hash(rolloutKey);
        long b = -1, j = 0;
        while (j < shards) {
            b = j;
            key = key * 2862933555777941757L + 1;
            j = (long) ((b + 1) * ((double) (1L << 31) / (double) ((key >>> 33) + 1)));
        }
        return (int) b;
    }

    /** ceil(S / live replicas): what each replica takes at most, so that together they hold every shard. */
    static int fairShare(int shards, int liveReplicas) {
        int live = Math.max(1, liveReplicas);
        return (shards + live - 1) / live;
    }
}
