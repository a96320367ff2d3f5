package dev.aviary.shadow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stored requests from files, directories and ConfigMap data; a broken file names itself and its line. */
class PayloadsTest {

    @TempDir
    Path dir;

    @Test
    void aJsonFileWithOneObjectIsOnePayload() throws Exception {
        Path f = Files.writeString(dir.resolve("one.json"), "\n{\"instances\": [{\"b64\": \"iVBOR\"}]}\n");
        List<Payload> all = Payloads.load(f);
        assertEquals(1, all.size());
        assertEquals(f + ":2", all.get(0).origin());
        assertEquals("iVBOR", all.get(0).body().at("/instances/0/b64").asText());
    }

    @Test
    void aJsonArrayIsOnePayloadPerElementEachWithItsOwnLine() throws Exception {
        Path f = Files.writeString(dir.resolve("rows.json"), "[\n  {\"TransactionAmt\": 49.5, \"ProductCD\": \"W\"},\n"
                + "  {\"TransactionAmt\": 1200,\n   \"ProductCD\": \"C\"}\n]\n");
        List<Payload> all = Payloads.load(f);
        assertEquals(List.of(f + ":2", f + ":3"), all.stream().map(Payload::origin).toList());
        assertEquals(1200, all.get(1).body().get("TransactionAmt").asInt());
    }

    @Test
    void aJsonLinesFileIsOnePayloadPerLineSkippingBlankLines() throws Exception {
        Path f = Files.writeString(dir.resolve("rows.jsonl"), "{\"card4\": \"visa\"}\n\n{\"card4\": \"mastercard\"}\r\n");
        List<Payload> all = Payloads.load(f);
        assertEquals(List.of(f + ":1", f + ":3"), all.stream().map(Payload::origin).toList());
        assertEquals("mastercard", all.get(1).body().get("card4").asText());
    }

    @Test
    void aDirectoryReadsItsJsonAndJsonLinesFilesInNameOrderAndIgnoresOthers() throws Exception {
        Files.writeString(dir.resolve("b.jsonl"), "{\"n\": 2}\n{\"n\": 3}\n");
        Files.writeString(dir.resolve("a.json"), "{\"n\": 1}");
        Files.writeString(dir.resolve("README.md"), "not a payload {");
        List<Payload> all = Payloads.load(dir);
        assertEquals(List.of(1, 2, 3), all.stream().map(p -> p.body().get("n").asInt()).toList());
        assertEquals(dir.resolve("a.json") + ":1", all.get(0).origin());
    }

    @Test
    void configMapDataIsReadAsFilesNamedByTheirKeys() throws Exception {
        List<Payload> all = Payloads.parse(Map.of("golden.jsonl", "{\"n\": 2}\n{\"n\": 3}", "cat.json", "[{\"n\": 1}]"));
        assertEquals(List.of("cat.json:1", "golden.jsonl:1", "golden.jsonl:2"), all.stream().map(Payload::origin).toList());
    }

    @Test
    void aBrokenJsonFileNamesTheLineOfTheMistake() throws Exception {
        Path f = Files.writeString(dir.resolve("rows.json"), "[\n  {\"a\": 1},\n  {\"a\": 2,},\n  {\"a\": 3}\n]\n");
        Payloads.PayloadException e = assertThrows(Payloads.PayloadException.class, () -> Payloads.load(f));
        assertEquals(f + ":3", e.getMessage().substring(0, e.getMessage().indexOf(": not valid JSON: ")));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aBrokenJsonLinesFileNamesTheLineOfTheMistake() throws Exception {
        Path f = Files.writeString(dir.resolve("rows.jsonl"), "{\"a\": 1}\n\n{\"a\": 2}\n{\"a\": }\n");
        Payloads.PayloadException e = assertThrows(Payloads.PayloadException.class, () -> Payloads.load(f));
        assertEquals(f + ":4", e.getMessage().substring(0, e.getMessage().indexOf(": not valid JSON: ")));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void twoValuesInAJsonFileOrAMissingFileSayWhatToDo() throws Exception {
        Path f = Files.writeString(dir.resolve("rows.json"), "{\"a\": 1}\n{\"a\": 2}\n");
        assertEquals(f + ":2: more after the JSON value; use .jsonl for one payload per line",
                assertThrows(Payloads.PayloadException.class, () -> Payloads.load(f)).getMessage());
        Path missing = dir.resolve("nope.jsonl");
        assertEquals(missing + ": no such file or directory",
                assertThrows(Payloads.PayloadException.class, () -> Payloads.load(missing)).getMessage());
    }
}
