package dev.aviary.checks;

import dev.aviary.analysis.Judge;
import dev.aviary.analysis.SampleRatioGuard;
import dev.aviary.checks.istio.IstioPresets;
import dev.aviary.checks.knative.KnativePresets;
import dev.aviary.checks.shadow.PredictionDrift;
import dev.aviary.checks.shadow.ShadowAgreement;
import dev.aviary.metrics.Measure;
import dev.aviary.metrics.Measures;
import dev.aviary.metrics.RequestMetrics;
import dev.aviary.policy.CheckReader;
import dev.aviary.policy.CheckSpec;
import dev.aviary.policy.OneLine;
import dev.aviary.policy.Policy;
import dev.aviary.policy.PolicyNode;
import dev.aviary.policy.Suggestions;
import dev.aviary.policy.Target;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The check types and preset families Aviary knows: the one list to extend. It reads checks for the policy validator
 * ({@link CheckReader}), tells metric sources what to observe ({@link Measures}) and makes each check's judge. A
 * policy's check belongs to the type whose record it is. Immutable; {@link #with} makes an extended copy.
 */
public final class CheckTypes implements CheckReader, Measures {

    /** Fields only the shadow check types read. */
    private static final List<String> SHADOW_FIELDS = List.of("source", "minAgreement", "minPairs");

    private final Map<String, CheckType<?>> types = new LinkedHashMap<>();
    private final Map<String, Preset> presets = new LinkedHashMap<>();
    /** Each preset's family, which says which target kinds its metrics measure. */
    private final Map<String, PresetFamily> familyOf = new LinkedHashMap<>();
    private final List<PresetFamily> families;
    private final JudgeSettings settings;
    /** For each field some preset takes, the presets that take it. */
    private final Map<String, List<String>> presetFields = new LinkedHashMap<>();

    /** The built-in types and families with the standard judge settings (also what {@link CheckReader#installed} finds). */
    public CheckTypes() {
        this(JudgeSettings.standard());
    }

    public CheckTypes(JudgeSettings settings) {
        this(List.of(new Comparison(), new Threshold(), new MannWhitney(), new ShadowAgreement(), new PredictionDrift()),
                List.of(new IstioPresets(), new KnativePresets()), settings);
    }

    public CheckTypes(List<CheckType<?>> types, List<PresetFamily> families, JudgeSettings settings) {
        for (CheckType<?> t : types) this.types.put(t.name(), t);
        for (PresetFamily f : families) {
            for (Preset p : f.presets()) {
                presets.put(p.name(), p);
                familyOf.put(p.name(), f);
                for (String field : p.fields()) presetFields.computeIfAbsent(field, k -> new ArrayList<>()).add(p.name());
            }
        }
        this.families = List.copyOf(families);
        this.settings = settings;
    }

    /** These types and families plus {@code type}. */
    public CheckTypes with(CheckType<?> type) {
        List<CheckType<?>> all = new ArrayList<>(types.values());
        all.add(type);
        return new CheckTypes(all, families, settings);
    }

    /** These types and families plus {@code family}. */
    public CheckTypes with(PresetFamily family) {
        return new CheckTypes(List.copyOf(types.values()), Stream.concat(families.stream(), Stream.of(family)).toList(),
                settings);
    }

    /** The same types and families, judged with other settings. */
    public CheckTypes judgedWith(JudgeSettings other) {
        return new CheckTypes(List.copyOf(types.values()), families, other);
    }

    public List<String> typeNames() {
        return List.copyOf(types.keySet());
    }

    public List<String> presetNames() {
        return List.copyOf(presets.keySet());
    }

    // ---------------------------------------------------------------- reading

    @Override
    public List<String> extraFields() {
        return types.values().stream().flatMap(t -> t.fields().stream()).distinct().toList();
    }

    @Override
    public CheckSpec read(PolicyNode c, String name, long minRequests) {
        Preset preset = null;
        String presetText = c.text("preset", false);
        if (presetText != null) {
            preset = presets.get(presetText);
            if (preset == null) {
                List<String> known = presetNames();
                c.problemAt("preset", "unknown preset " + OneLine.quote(presetText)
                        + Suggestions.didYouMean(presetText, known) + "; known presets: " + String.join(", ", known));
            }
        }
        String typeText = c.text("type", false);
        CheckType<?> type = null;
        if (typeText != null) {
            type = types.get(typeText);
            if (type == null) {
                c.problemAt("type", "unknown check type " + OneLine.quote(typeText)
                        + Suggestions.didYouMean(typeText, typeNames()) + "; known types: " + String.join(", ", typeNames()));
            }
        } else if (preset != null) {
            type = types.get(preset.type());
        } else if (presetText == null) {
            c.problemHere("say what this check is: a preset (" + String.join(", ", presetNames()) + ") or a type ("
                    + String.join(", ", typeNames()) + ")");
        }
        if (type != null && preset != null && !preset.type().equals(type.name())) {
            c.problemAt("type", "preset " + preset.name() + " is a " + preset.type() + " check, not " + type.name()
                    + "; drop type or write type: " + preset.type());
            type = null;
        }
        shadowFields(c, type, typeText);
        CheckFields fields = CheckFields.read(c, preset, presetText, presetFields);
        if (type == null) return null;
        otherTypesFields(c, type);
        return type.read(new CheckInput(c, name, preset, presetText, fields, minRequests));
    }

    /**
     * A preset over one mesh's metrics cannot measure another mesh's target (Istio's sidecar series carry no Knative
     * revision, and the reverse): left alone, the check would hold for want of data at run time.
     */
    @Override
    public void checkTarget(PolicyNode c, Target target) {
        String name = c.text("preset", false);
        PresetFamily family = name == null ? null : familyOf.get(name);
        if (family == null || family.serves(target)) return;
        String suffix = name.substring(name.indexOf('-') + 1);
        List<String> instead = presets.keySet().stream()
                .filter(p -> familyOf.get(p).serves(target) && p.substring(p.indexOf('-') + 1).equals(suffix)).toList();
        List<String> served = presets.keySet().stream().filter(p -> familyOf.get(p).serves(target)).toList();
        c.problemAt("preset", "preset " + name + " reads metrics that do not measure " + target.describe() + "; "
                + (instead.isEmpty() ? (served.isEmpty() ? "write the check's query instead"
                        : "its presets are " + String.join(", ", served)) : "use " + instead.get(0)));
    }

    /** A field only other types read (beyond the documented ones) would otherwise pass silently. */
    private void otherTypesFields(PolicyNode c, CheckType<?> type) {
        for (String f : extraFields()) {
            if (c.has(f) && !type.fields().contains(f)) c.problemAtKey(f, f + " does not apply to a " + type.name() + " check");
        }
    }

    /**
     * source, minAgreement and minPairs belong to the shadow checks (which read them); on any other check, or one
     * whose type is unknown, they are reported here.
     */
    private static void shadowFields(PolicyNode c, CheckType<?> type, String typeText) {
        if (type instanceof ShadowAgreement || type instanceof PredictionDrift) return;
        for (String f : SHADOW_FIELDS) {
            if (c.has(f) && (type != null || typeText == null)) {
                c.problemAtKey(f, f + " belongs to " + ShadowAgreement.NAME + (f.equals("minAgreement") ? "" : " and "
                        + PredictionDrift.NAME) + " checks only");
            }
        }
    }

    // ---------------------------------------------------------------- measuring and judging

    @Override
    public Measure of(CheckSpec check) {
        return measure(typeOf(check), check);
    }

    @Override
    public RequestMetrics requests(Policy policy) {
        // the requests the checks themselves read (a KServe target may be measured by Knative or by Istio sidecars)
        for (CheckSpec check : policy.checks()) {
            RequestMetrics read = of(check).requestMetrics();
            if (read != null) return read;
        }
        return families.stream().filter(f -> f.serves(policy.target())).findFirst().orElse(families.get(0)).metrics();
    }

    /** The judge that decides {@code check}. */
    public Judge judge(CheckSpec check) {
        return judge(typeOf(check), check);
    }

    /** The guard the controller runs on every step's request counts, next to the policy's checks. */
    public Judge sampleRatioGuard() {
        return new SampleRatioGuard();
    }

    private CheckType<?> typeOf(CheckSpec check) {
        for (CheckType<?> t : types.values()) if (t.specClass().isInstance(check)) return t;
        throw new IllegalArgumentException("no check type reads " + check.getClass().getName() + " (check "
                + check.name() + "); list its type in CheckTypes");
    }

    private static <S extends CheckSpec> Measure measure(CheckType<S> type, CheckSpec check) {
        return type.measure(type.specClass().cast(check));
    }

    private <S extends CheckSpec> Judge judge(CheckType<S> type, CheckSpec check) {
        return type.judge(type.specClass().cast(check), settings);
    }
}
