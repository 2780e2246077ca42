package io.ragway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ragway.testkit.Cli;
import io.ragway.testkit.Cli.Run;
import io.ragway.testkit.Documents;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole path with the real embedding model: ingest every format, ask, follow citations, re-ingest. */
class EndToEndIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private Run ragway(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = args[0];
    all[1] = "--data";
    all[2] = tmp.resolve("data").toString();
    all[3] = "--config=" + tmp.resolve("absent.yaml");
    System.arraycopy(args, 1, all, 4, args.length - 1);
    return Cli.run(all);
  }

  private JsonNode ask(String question) throws Exception {
    Run r = ragway("ask", "--json", question);
    assertEquals(0, r.code(), r.toString());
    return JSON.readTree(r.out());
  }

  @Test
  void ingestsEveryFormatAnswersWithCitationsAndFollowsEdits() throws Exception {
    Path docs = Files.createDirectories(tmp.resolve("docs"));
    Files.writeString(docs.resolve("lighthouse.md"), """
        # Harbour guide

        ## The lighthouse

        The old lighthouse was built in 1872 by the harbour board. Its lamp can be seen from twenty miles away.

        ## Boats

        Fishing boats leave the harbour before dawn.
        """);
    Files.writeString(docs.resolve("bakery.txt"), "The bakery on Mill Street opens at six in the morning. It sells rye bread.\n");
    Files.writeString(docs.resolve("museum.html"), "<html><head><title>Museum</title></head><body><h1>Museum</h1>"
        + "<p>The maritime museum displays a collection of ship models and old maps.</p></body></html>");
    Files.write(docs.resolve("tides.pdf"), Documents.pdf("Tide tables", null, "High tide in the harbour is at noon on Sundays."));
    Files.write(docs.resolve("staff.docx"), Documents.docx("Title: Staff handbook", "Heading1: Holidays",
        "Every employee receives twenty-five days of paid holiday per year."));
    Files.write(docs.resolve("broken.pdf"), "%PDF-1.4 this is not really a pdf".getBytes());

    Run ingest = ragway("ingest", docs.toString());
    assertEquals(0, ingest.code(), ingest.toString());
    assertTrue(ingest.err().contains("5 added"), ingest.toString());
    assertTrue(ingest.err().contains("broken.pdf") && ingest.err().contains("corrupt PDF"), ingest.toString());

    JsonNode answer = ask("When was the lighthouse built?");
    assertFalse(answer.get("abstained").asBoolean(), answer.toString());
    assertTrue(answer.get("text").asText().contains("1872"), answer.toString());
    JsonNode citation = answer.get("citations").get(0);
    assertTrue(citation.get("source").asText().endsWith("lighthouse.md"), citation.toString());
    assertEquals("Harbour guide > The lighthouse", citation.get("heading").asText());
    String file = Files.readString(docs.resolve("lighthouse.md"));
    assertEquals(citation.get("text").asText(), file.substring(citation.get("start").asInt(), citation.get("end").asInt()),
        "citation offsets point into the source file");

    for (String[] qa : new String[][] {{"How many days of paid holiday do employees get?", "staff.docx"},
        {"When is high tide on Sundays?", "tides.pdf"}, {"What does the maritime museum display?", "museum.html"},
        {"What time does the bakery open?", "bakery.txt"}}) {
      JsonNode a = ask(qa[0]);
      assertFalse(a.get("abstained").asBoolean(), a.toString());
      assertTrue(a.get("citations").get(0).get("source").asText().endsWith(qa[1]), qa[0] + " -> " + a);
    }

    JsonNode offTopic = ask("What is the boiling point of liquid nitrogen on Mars?");
    assertTrue(offTopic.get("abstained").asBoolean(), offTopic.toString());
    assertEquals(0, offTopic.get("citations").size());

    Files.writeString(docs.resolve("lighthouse.md"), Files.readString(docs.resolve("lighthouse.md")).replace("1872", "1901"));
    Files.delete(docs.resolve("bakery.txt"));
    Run again = ragway("ingest", docs.toString());
    assertTrue(again.err().contains("1 updated") && again.err().contains("1 removed") && again.err().contains("3 unchanged"),
        again.toString());
    assertTrue(ask("When was the lighthouse built?").get("text").asText().contains("1901"));
    Run search = ragway("search", "--json", "--mode", "bm25", "bakery Mill Street");
    assertEquals(0, search.code(), search.toString());
    assertEquals(0, JSON.readTree(search.out()).get("results").size(), search.out());
  }

  @Test
  void askWithDocsIngestsFirstAndSearchFiltersBySource() throws Exception {
    Path docs = Files.createDirectories(tmp.resolve("kb/guides"));
    Files.writeString(docs.resolve("install.md"), "# Install\n\nInstall ragway with Maven and a JDK 21 or newer.\n");
    Files.writeString(tmp.resolve("kb/faq.md"), "# FAQ\n\nRagway needs a JDK to run and Maven to build.\n");
    Run r = ragway("ask", "--docs", tmp.resolve("kb").toString(), "How do I install ragway?");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().contains("[1]") && r.out().contains("Sources:"), r.toString());
    Run filtered = ragway("search", "--json", "--source-prefix", docs.toString(), "JDK Maven");
    JsonNode results = JSON.readTree(filtered.out()).get("results");
    assertEquals(1, results.size(), filtered.out());
    assertTrue(results.get(0).get("source").asText().endsWith("install.md"));
  }
}
