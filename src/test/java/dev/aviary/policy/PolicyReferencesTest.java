package dev.aviary.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static dev.aviary.policy.PolicyLoaderTest.MINIMAL;
import static dev.aviary.policy.PolicyTestSupport.FILE;
import static dev.aviary.policy.PolicyTestSupport.assertAt;
import static dev.aviary.policy.PolicyTestSupport.problems;
import static dev.aviary.policy.PolicyTestSupport.render;
import static dev.aviary.policy.PolicyTestSupport.replace;
import static dev.aviary.policy.PolicyTestSupport.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a policy points at must exist under a name its owner accepts: Kubernetes and KServe object names, Istio
 * subsets and header names, RE2 header regexes, webhook URLs; and the two arms must be two different things. The
 * probe found each of these accepted and failing only at run time.
 */
class PolicyReferencesTest {

    private final PolicyLoader loader = new PolicyLoader();

    private static String withHeaderRoute(String match) {
        return replace(MINIMAL, "    - weight: 50", "    - headerRoute: {header: user-group, " + match + "}\n    - weight: 50");
    }

    // ------------------------------------------------------------------ the two arms

    @Test
    void baselineAndCanaryMustBeDifferentSubsetsWhateverTheHosts() {
        single(replace(MINIMAL, "canary: {subset: v2}", "canary: {subset: v1, host: other}"), 10, 24,
                "spec.target.istio.canary.subset", "baseline and canary are both subset \"v1\"");
    }

    @Test
    void baselineAndCanaryMustNotShareAVersionLabel() {
        single(replace(replace(MINIMAL, "baseline: {subset: v1}", "baseline: {subset: v1, version: resnet}"),
                "canary: {subset: v2}", "canary: {subset: v2, version: resnet}"), 10, 37,
                "spec.target.istio.canary.version", "baseline and canary both have version \"resnet\"",
                "one series for both arms");
    }

    @Test
    void differentVersionsOnDifferentSubsetsPass() throws Exception {
        Policy p = loader.parse(replace(replace(MINIMAL, "baseline: {subset: v1}", "baseline: {subset: v1, version: a}"),
                "canary: {subset: v2}", "canary: {subset: v2, version: b}"), FILE);
        assertEquals("b", ((IstioTarget) p.target()).canary().version());
    }

    // ------------------------------------------------------------------ first step

    @Test
    void aPolicyWhoseOnlyStepIs100IsRejected() {
        single(replace(MINIMAL, "    - weight: 50\n", ""), 12, 15, "spec.steps[0].weight",
                "the only step is weight 100", "add a judged step first");
    }

    @Test
    void theFirstStepIsNever100() {
        List<Problem> ps = problems(replace(MINIMAL, "    - weight: 50\n", "    - weight: 100\n"));
        assertAt(ps.get(0), 12, 15, "spec.steps[0].weight", "the first step is weight 100", "before any check has judged it");
    }

    @Test
    void aJudgedHeaderStepBeforePromotionIsEnough() throws Exception {
        Policy p = loader.parse(replace(MINIMAL, "    - weight: 50\n", "    - headerRoute: {header: user-group, exact: canary}\n"), FILE);
        assertEquals(Step.Kind.HEADER_ROUTE, p.steps().get(0).kind());
    }

    // ------------------------------------------------------------------ names

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "virtualService: fraud           | virtualService: Fraud_VS      | 8 | 23 | spec.target.istio.virtualService | not a valid Kubernetes name",
            "baseline: {subset: v1}          | baseline: {subset: v1.0}      | 9 | 26 | spec.target.istio.baseline.subset | not a name Istio accepts for a DestinationRule subset",
            "canary: {subset: v2}            | canary: {subset: V2}          | 10 | 24 | spec.target.istio.canary.subset | not a name Istio accepts",
            "canary: {subset: v2}            | canary: {subset: v2, version: 'a b'} | 10 | 37 | spec.target.istio.canary.version | not a valid Kubernetes label value",
            "canary: {subset: v2}            | canary: {subset: v2, host: 'x_y.svc'} | 10 | 34 | spec.target.istio.canary.host | not a DNS name",
            "name: fraud                     | name: fraud..x                | 4 | 9 | metadata.name | not a valid Kubernetes name",
            "name: errors                    | name: 'error rate'            | 15 | 13 | spec.checks[0].name | not a valid check name",
    })
    void namesTheirOwnersWouldRefuse(String from, String to, int line, int column, String field, String fragment) {
        single(replace(MINIMAL, from, to), line, column, field, fragment);
    }

    @Test
    void routeNamesAndNamespacesAndInferenceServices() {
        single(replace(MINIMAL, "      virtualService: fraud", "      virtualService: fraud\n      route: 'my route'"), 9, 14,
                "spec.target.istio.route", "not a route name Aviary can match");
        single(replace(MINIMAL, "  name: fraud", "  name: fraud\n  namespace: " + "n".repeat(64)), 5, 14,
                "metadata.namespace", "not a valid Kubernetes namespace", "at most 63");
        String kserve = replace(MINIMAL.replaceAll("(?s)    istio:.*?(?=  steps:)", ""), "  target:",
                "  target:\n    kserve: {inferenceService: 1fraud}");
        single(kserve, 7, 32, "spec.target.kserve.inferenceService", "not a name KServe accepts", "starting with a letter");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "'user group' | not a valid HTTP header name",
            "':authority' | not a valid HTTP header name",
            "uri          | Istio ignores a header match on 'uri'",
            "X-Group      | must be lower-case",
    })
    void headerNamesAsIstioReadsThem(String header, String fragment) {
        single(replace(MINIMAL, "    - weight: 50", "    - headerRoute: {header: " + header + ", exact: a}\n    - weight: 50"),
                12, 29, "spec.steps[0].headerRoute.header", fragment);
    }

    @Test
    void secretRefsAreKubernetesNames() {
        single(MINIMAL + "  notify:\n    - slack: {secretRef: Slack_Secret}\n", 19, 26, "spec.notify[0].slack.secretRef",
                "secretRef \"Slack_Secret\" is not a valid Kubernetes name");
        single(MINIMAL + "  notify:\n    - webhook: {url: \"https://h.example\", secretRef: 'a b'}\n", 19, 54,
                "spec.notify[0].webhook.secretRef", "not a valid Kubernetes name");
    }

    // ------------------------------------------------------------------ RE2 header regexes

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "'^(?=beta).*'         | has a lookahead (?=...) at character 2: Istio's regex engine (RE2) does not support it",
            "'^(?!beta).*'         | has a negative lookahead (?!...) at character 2",
            "'(?<=x)y'             | has a lookbehind (?<=...) at character 1",
            "'(?<!x)y'             | has a negative lookbehind (?<!...) at character 1",
            "'(a)\\1'              | has \\1 at character 4: a backreference",
            "'(?<g>a)\\k<g>'       | has (?<g at character 1: a named group",
            "'a++'                 | has ++ at character 2: a possessive quantifier",
            "'a{2}+'               | has {2}+ at character 2: a possessive quantifier",
            "'(?>ab)'              | has an atomic group (?>...) at character 1",
            "'\\Gbeta'             | has \\G at character 1: (end of the previous match)",
            "'beta\\Z'             | has \\Z at character 5",
            "'(?x)a b'             | has (?x at character 1: a flag RE2 does not support",
            "'(?U)a+'              | has (?U at character 1: ungreedy to RE2 but Unicode classes to Java",
            "'[a-z&&[def]]'        | has && at character 5: inside a character class",
            "'[[:alpha:]]'         | has [ at character 2: a POSIX class",
            "'\\p{Greek}'          | has \\p{Greek} at character 1: a class RE2 and Java do not share",
            "'\\u0041'             | has \\u at character 1: an escape RE2 and Java do not share",
            "'a{1001}'             | has {1001} at character 2: more repetitions than RE2 allows (1000)",
            "'(?P<n>a)'            | a named group",
            "'a(b'                 | does not compile: Unclosed group",
    })
    void headerRegexesMustBeRe2(String regex, String message) {
        Problem p = single(withHeaderRoute("regex: " + quoteYaml(regex)), 12, 48, "spec.steps[0].headerRoute.regex");
        assertTrue(p.message().startsWith("regex \"" + OneLine.escape(regex) + "\" "), p::toString);
        assertTrue(p.message().contains(message), p::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"^beta-.*$", "(?i)canary|beta", "[a-z0-9]{3,8}", "\\d+\\.\\d+", "a*?b", "\\Qa.b\\E", "\\p{L}+",
            "[^\\s]+", "\\x{41}\\x42"})
    void regexesBothEnginesReadAlikePass(String regex) throws Exception {
        Policy p = loader.parse(withHeaderRoute("regex: " + quoteYaml(regex)), FILE);
        assertEquals(regex, p.steps().get(0).headerRoute().value());
    }

    private static String quoteYaml(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    // ------------------------------------------------------------------ webhook URLs

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://                       | has no host name after https://",
            "'http:///path'                 | has no host name after http://",
            "'https://hooks.example.com/a b' | contains spaces or control characters",
            "'https://exa mple.com'         | contains spaces",
            "ftp://x                        | must start with https:// (or http://)",
            "'https://user:pw@hooks.example' | carries credentials in the URL",
            "https://hooks.example:99999/x  | ports go up to 65535",
            "'https://[::1'                 | is not a valid URL",
            "hooks.example.com/aviary       | must start with https://",
    })
    void webhookUrlsAreParsed(String url, String fragment) {
        List<Problem> ps = problems(MINIMAL + "  notify:\n    - webhook: {url: " + quoteYaml(url) + "}\n");
        assertEquals(1, ps.size(), () -> render(ps));
        assertAt(ps.get(0), 19, 22, "spec.notify[0].webhook.url", "url ", fragment);
        assertTrue(!ps.get(0).message().contains("pw@"), "credentials are never repeated: " + ps.get(0));
    }

    @Test
    void aPlainHttpsWebhookPasses() throws Exception {
        Policy p = loader.parse(MINIMAL + "  notify:\n    - webhook: {url: \"https://hooks.example.com:8443/a?b=c\"}\n", FILE);
        assertEquals("https://hooks.example.com:8443/a?b=c", p.notifications().get(0).url());
    }
}
