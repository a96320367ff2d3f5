package dev.aviary.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A cache behind its own process's writes, and behind a write that conflicted: what a read returns meanwhile. */
class OwnWritesTest {

    private static final String KEY = "default//v1/configmaps/image-classifier";
    private final OwnWrites own = new OwnWrites();
    private final AtomicInteger readThroughs = new AtomicInteger();

    @Test
    void aCacheBehindOurOwnWriteGivesOurWriteUntilTheWatchBringsIt() {
        own.wrote(KEY, "1", at("2"));
        assertEquals("2", version(own.resolve(KEY, at("1"), server("9"))), "the replaced version is never handed back");
        ConfigMap arrived = at("2");
        assertSame(arrived, own.resolve(KEY, arrived, server("9")));
        assertSame(arrived, own.resolve(KEY, arrived, server("9")));
        ConfigMap newer = at("3");
        assertSame(newer, own.resolve(KEY, newer, server("9")), "someone else's later write is seen as it is");
        assertEquals(0, readThroughs.get());
    }

    @Test
    void aCacheTwoWritesBehindGivesTheLastOfThem() {
        own.wrote(KEY, "1", at("2"));
        own.wrote(KEY, "2", at("3"));
        assertEquals("3", version(own.resolve(KEY, at("1"), server("9"))), "the intent and the applied write of one move");
        assertEquals("3", version(own.resolve(KEY, at("2"), server("9"))));
        own.wrote(KEY, "7", at("8"));
        assertEquals("1", version(own.resolve(KEY, at("1"), server("9"))), "a write on another version starts a new chain");
        assertEquals(0, readThroughs.get());
    }

    @Test
    void aVersionAWriteFoundStaleIsReadThroughOnceAndTheAnswerKeptUntilTheWatchCatchesUp() {
        own.conflicted(KEY, "2");
        assertEquals("3", version(own.resolve(KEY, at("2"), server("3"))), "the stale version is read through");
        assertEquals("3", version(own.resolve(KEY, at("2"), server("3"))), "and not handed back while the watch lags");
        assertEquals(1, readThroughs.get(), "read through once");
        ConfigMap caught = at("3");
        assertSame(caught, own.resolve(KEY, caught, server("3")));
        assertEquals(1, readThroughs.get());
    }

    @Test
    void aCacheThatCaughtUpBeforeTheNextReadIsNotReadThrough() {
        own.conflicted(KEY, "2");
        ConfigMap caught = at("3");
        assertSame(caught, own.resolve(KEY, caught, server("3")));
        assertEquals(0, readThroughs.get());
    }

    @Test
    void aCreateThatFoundTheObjectExistingReadsItThrough() {
        own.conflicted(KEY, null);
        assertEquals("5", version(own.resolve(KEY, null, server("5"))));
        own.wrote(KEY, null, at("6"));
        assertEquals("6", version(own.resolve(KEY, null, server("9"))), "created, not yet in the cache");
        assertEquals(1, readThroughs.get());
    }

    @Test
    void forgettingANamespaceDropsWhatWasKnownThere() {
        own.wrote(KEY, "1", at("2"));
        own.forget("default");
        ConfigMap cached = at("1");
        assertSame(cached, own.resolve(KEY, cached, server("9")));
        assertNull(own.resolve(KEY, null, server("9")));
    }

    private Supplier<ConfigMap> server(String version) {
        return () -> {
            readThroughs.incrementAndGet();
            return at(version);
        };
    }

    private static ConfigMap at(String version) {
        return new ConfigMapBuilder().withNewMetadata().withNamespace("default").withName("image-classifier")
                .withResourceVersion(version).endMetadata().build();
    }

    private static String version(ConfigMap c) {
        return c.getMetadata().getResourceVersion();
    }
}
