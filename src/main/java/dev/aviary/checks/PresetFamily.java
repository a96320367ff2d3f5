package dev.aviary.checks;

import dev.aviary.metrics.RequestMetrics;
import dev.aviary.policy.Target;

import java.util.List;

/**
 * A mesh's presets and the request telemetry they read (e.g. {@code checks.istio.IstioPresets}): adding a mesh's
 * metric presets is one class implementing this, listed in {@link CheckTypes}.
 */
public interface PresetFamily {

    /** The presets, in the order messages and the schema list them. */
    List<Preset> presets();

    /** The mesh's request metrics: what the presets read, and the sample-ratio guard for targets it serves. */
    RequestMetrics metrics();

    /** Whether the mesh reports the requests of this target kind. */
    boolean serves(Target target);
}
