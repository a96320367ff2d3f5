package dev.aviary.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "aviary.api.controls")
public interface ControlsConfig {

    /**
     * Whether the API takes controls at all ({@code POST /api/rollouts/...}); when false every control answers 404 and
     * only {@code kubectl annotate canaryrollout} steers rollouts. Env: {@code AVIARY_API_CONTROLS_ENABLED}.
     */
    @WithDefault("true")
    boolean enabled();
}
