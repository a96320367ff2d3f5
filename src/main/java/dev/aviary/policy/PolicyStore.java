package dev.aviary.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The policies in force, read from one directory and re-read when the caller says so ({@link #reload()}).
 *
 * <p>Rules: an invalid file is never applied, and the last valid version of its policy (keyed by namespace/name,
 * remembered per file) stays in force; other files are unaffected. Two files declaring the same namespace/name:
 * the one that already held the name keeps it (else the first by file name), the other is rejected, and both are
 * told. A deleted file takes its policy with it.
 *
 * <p>Change is detected by content hash, not mtime: a Kubernetes ConfigMap volume updates by swapping its
 * {@code ..data} symlink, which can leave mtimes of the visible paths unchanged.
 *
 * <p>Thread-safe: {@link #reload()} is serialised; readers see an immutable snapshot without locking.
 */
public final class PolicyStore {

    private final Path directory;
    private final PolicyLoader loader;

    /** The state readers see; replaced whole by reload. */
    private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of());

    /** Parse results by file, reused while the file's content hash is unchanged. Guarded by {@code this}. */
    private final Map<Path, Parsed> parsed = new HashMap<>();

    public PolicyStore(Path directory) {
        this(directory, new PolicyLoader());
    }

    public PolicyStore(Path directory, PolicyLoader loader) {
        this.directory = Objects.requireNonNull(directory);
        this.loader = Objects.requireNonNull(loader);
    }

    public Path directory() {
        return directory;
    }

    /** The policies in force, ordered by key. */
    public Collection<Policy> active() {
        return snapshot.byKey.values();
    }

    /** The policy in force under {@code namespace/name}. */
    public Optional<Policy> get(String key) {
        return Optional.ofNullable(snapshot.byKey.get(key));
    }

    /** Files whose current content is not in force, with why. */
    public Map<Path, List<Problem>> rejected() {
        return snapshot.rejected;
    }

    /** Re-reads the directory and applies what validates. Never throws for a bad file; see the report. */
    public synchronized ReloadReport reload() {
        Snapshot before = snapshot;
        List<Path> files;
        try {
            files = policyFiles(directory);
        } catch (IOException e) {
            // An unreadable directory is more likely a mount hiccup than an intent to delete every policy.
            Problem p = new Problem(directory, 0, 0, "", "cannot list the policy directory: " + e.getMessage());
            Map<Path, List<Problem>> rejected = new TreeMap<>(before.rejected);
            rejected.put(directory, List.of(p));
            snapshot = new Snapshot(before.byKey, before.owner, rejected);
            return new ReloadReport(List.of(), List.of(), List.of(), Map.of(directory, List.of(p)), rejected.keySet());
        }
        parsed.keySet().retainAll(files);

        // 1. Each file's candidate: its new version if valid, else the last valid version it had in force.
        Map<Path, Policy> fresh = new LinkedHashMap<>();
        Map<Path, Policy> candidate = new LinkedHashMap<>();
        Map<Path, List<Problem>> problems = new TreeMap<>();
        for (Path file : files) {
            Parsed p = parse(file);
            Policy previous = before.policyOf(file);
            if (p.policy != null) {
                fresh.put(file, p.policy);
                candidate.put(file, p.policy);
            } else {
                problems.put(file, p.problems);
                if (previous != null) candidate.put(file, previous);
            }
        }

        // 2. One file per key: the file that held the key before wins, else the first by name.
        Map<String, Path> owner = new TreeMap<>();
        for (Map.Entry<String, Path> held : before.owner.entrySet()) {
            Policy c = candidate.get(held.getValue());
            if (c != null && c.key().equals(held.getKey())) owner.put(held.getKey(), held.getValue());
        }
        List<Path> losers = new ArrayList<>();
        for (Map.Entry<Path, Policy> c : candidate.entrySet()) {
            Path won = owner.putIfAbsent(c.getValue().key(), c.getKey());
            if (won != null && !won.equals(c.getKey())) losers.add(c.getKey());
        }
        for (Path loser : losers) {
            Policy lost = candidate.get(loser);
            Path winner = owner.get(lost.key());
            YamlNode.Pos lp = parsed.get(loser).namePos;
            YamlNode.Pos wp = parsed.get(winner).namePos;
            add(problems, loser, new Problem(loser, lp.line(), lp.column(), "metadata.name", "policy " + lost.key()
                    + " is already defined in " + winner + "; namespace/name must be unique, so this file is ignored"));
            add(problems, winner, new Problem(winner, wp.line(), wp.column(), "metadata.name", "policy " + lost.key()
                    + " is also defined in " + loser + ", which is ignored; namespace/name must be unique"));
            // A renamed file that now clashes keeps its last valid policy, if nobody took that name meanwhile.
            Policy previous = before.policyOf(loser);
            if (previous != null && previous != lost && !owner.containsKey(previous.key())) {
                owner.put(previous.key(), loser);
                candidate.put(loser, previous);
            }
        }

        Map<String, Policy> byKey = new TreeMap<>();
        owner.forEach((key, file) -> byKey.put(key, candidate.get(file)));
        Map<Path, List<Problem>> rejected = new TreeMap<>();
        for (Path file : files) {
            boolean applied = fresh.containsKey(file) && byKey.get(fresh.get(file).key()) == fresh.get(file);
            if (!applied) rejected.put(file, problems.getOrDefault(file, List.of()));
        }

        List<Policy> added = new ArrayList<>();
        List<Policy> changed = new ArrayList<>();
        List<Policy> removed = new ArrayList<>();
        byKey.forEach((key, now) -> {
            Policy was = before.byKey.get(key);
            if (was == null) added.add(now);
            else if (was != now && !(was.hash().equals(now.hash()) && Objects.equals(was.source(), now.source()))) {
                changed.add(now);
            }
        });
        before.byKey.forEach((key, was) -> {
            if (!byKey.containsKey(key)) removed.add(was);
        });

        snapshot = new Snapshot(byKey, owner, rejected);
        return new ReloadReport(added, changed, removed, problems, rejected.keySet());
    }

    private Parsed parse(Path file) {
        byte[] bytes;
        try {
            bytes = PolicyLoader.read(file); // refuses an oversized file before reading it
        } catch (PolicyException e) {
            Parsed unreadable = new Parsed(null, null, e.problems(), YamlNode.Pos.START);
            parsed.put(file, unreadable);
            return unreadable;
        }
        String hash = PolicyLoader.sha256(bytes);
        Parsed cached = parsed.get(file);
        if (cached != null && hash.equals(cached.hash)) return cached;
        Parsed p;
        try {
            p = new Parsed(hash, loader.parse(bytes, file), List.of(), PolicyLoader.namePosition(bytes));
        } catch (PolicyException e) {
            p = new Parsed(hash, null, e.problems(), YamlNode.Pos.START);
        } catch (RuntimeException e) {
            // Belt and braces (the loader turns its own failures into problems): one file the validator chokes on
            // must not stop the reload of every other file, fixes included.
            p = new Parsed(hash, null, List.of(new Problem(file, 0, 0, "", PolicyLoader.internalError(e))),
                    YamlNode.Pos.START);
        }
        parsed.put(file, p);
        return p;
    }

    /** The *.yaml and *.yml regular files (symlinks followed) in a directory, by name; dot-files are skipped. */
    static List<Path> policyFiles(Path directory) throws IOException {
        try (Stream<Path> s = Files.list(directory)) {
            return s.filter(PolicyStore::isPolicyFileName).filter(Files::isRegularFile).sorted().toList();
        }
    }

    static boolean isPolicyFileName(Path p) {
        String n = p.getFileName().toString();
        // Dot-files are editor locks/backups and ConfigMap internals (..data), never policies.
        return !n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml"));
    }

    private static void add(Map<Path, List<Problem>> problems, Path file, Problem p) {
        List<Problem> list = new ArrayList<>(problems.getOrDefault(file, List.of()));
        list.add(p);
        problems.put(file, List.copyOf(list));
    }

    private record Parsed(String hash, Policy policy, List<Problem> problems, YamlNode.Pos namePos) {}

    private record Snapshot(Map<String, Policy> byKey, Map<String, Path> owner, Map<Path, List<Problem>> rejected) {
        Snapshot {
            byKey = java.util.Collections.unmodifiableMap(new TreeMap<>(byKey));
            owner = Map.copyOf(owner);
            rejected = java.util.Collections.unmodifiableMap(new TreeMap<>(rejected));
        }

        Policy policyOf(Path file) {
            for (Map.Entry<String, Path> e : owner.entrySet()) {
                if (e.getValue().equals(file)) return byKey.get(e.getKey());
            }
            return null;
        }
    }
}
