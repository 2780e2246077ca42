package io.ragway.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxEmbedderIT {

  private static EmbeddingModel model;

  @BeforeAll
  static void load() {
    model = EmbeddingModels.bgeSmallEnV15();
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static double cos(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  @Test
  void vectorsAreUnitLengthAnd384Dimensional() {
    float[] v = model.embedDocuments(List.of("Lucene is a search library.")).get(0);
    assertEquals(384, v.length);
    assertEquals(384, model.dimension());
    assertEquals(1.0, cos(v, v), 1e-4);
  }

  @Test
  void relatedTextsAreCloserThanUnrelatedOnes() {
    float[] q = model.embedQuery("How do I reset my password?");
    List<float[]> d = model.embedDocuments(List.of("To reset your password, open settings and choose 'Forgot password'.",
        "The cafeteria serves lunch from noon until two."));
    assertTrue(cos(q, d.get(0)) > cos(q, d.get(1)) + 0.1, cos(q, d.get(0)) + " vs " + cos(q, d.get(1)));
  }

  @Test
  void aTextsVectorDoesNotDependOnWhatIsEmbeddedWithIt() {
    List<String> texts = List.of("short", "a somewhat longer sentence about vector search and ranking",
        "", "medium length text here", "x".repeat(50));
    List<float[]> batch = model.embedDocuments(texts);
    List<String> reversed = new ArrayList<>(texts).reversed();
    List<float[]> rev = model.embedDocuments(reversed);
    for (int i = 0; i < texts.size(); i++) {
      float[] single = model.embedDocuments(List.of(texts.get(i))).get(0);
      assertTrue(cos(single, batch.get(i)) > 0.99999, "text " + i);
      assertTrue(cos(single, rev.get(texts.size() - 1 - i)) > 0.99999, "reversed text " + i);
    }
  }

  @Test
  void agreesWithLangChain4jReference() {
    BgeSmallEnV15QuantizedEmbeddingModel reference = new BgeSmallEnV15QuantizedEmbeddingModel();
    for (String t : List.of("Hybrid search fuses BM25 and dense rankings.", "The cat sat on the mat.")) {
      float[] ours = model.embedDocuments(List.of(t)).get(0);
      float[] theirs = reference.embed(TextSegment.from(t)).content().vector();
      assertTrue(cos(ours, theirs) > 0.99, "cos " + cos(ours, theirs) + " for " + t);
    }
  }

  @Test
  void countsTokensAndTruncatesLongTexts() {
    assertEquals(4, model.tokenCounter().count("hello world, friends"));
    String longText = "token ".repeat(2000);
    assertTrue(model.tokenCounter().count(longText) >= 2000);
    assertEquals(384, model.embedDocuments(List.of(longText)).get(0).length);
  }
}
