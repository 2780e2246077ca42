package io.ragway.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.eval.AnswerDataset.AnswerRow;
import io.ragway.eval.AnswerDataset.Kind;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {

  private static AnswerEvaluation.Result result(int line, String answer, double f1, boolean abstained) {
    return new AnswerEvaluation.Result(new AnswerRow(line, "id" + line, "Question <" + line + ">?", "ref & more",
        Optional.empty(), List.of(), Kind.ANSWER_AS_REFERENCE), answer, List.of("ctx <b>" + line + "</b>"), abstained,
        OptionalDouble.of(10 * line), Map.of(AnswerEvaluation.F1, f1, Judge.FAITHFULNESS, 1.0), List.of());
  }

  @Test
  void isOnePageWithChartsAndNothingFromElsewhere() {
    var report = new AnswerReport(Map.of("dataset", "qa.jsonl", "model", "rag"), new AnswerDataset.Reading(0, 0, 3),
        List.of(result(1, "good", 0.9, false), result(2, "bad <script>", 0.05, false), result(3, "I could not find", 0, true)));
    String html = HtmlReport.render(report);
    assertTrue(html.startsWith("<!DOCTYPE html>"));
    assertTrue(html.contains("<svg"), "inline charts");
    assertFalse(Pattern.compile("(src|href)=\"(https?:)?//").matcher(html).find(), "no external resources");
    assertFalse(html.contains("<script"), "text is escaped, and there are no scripts");
    assertTrue(html.contains("bad &lt;script&gt;"));
    assertTrue(html.contains("Question &lt;2&gt;?"));
    assertTrue(html.contains("ref &amp; more"));
    assertTrue(html.contains("1 answer says the documents do not hold one"));
    // the worst answer comes first among the worst
    int worst = html.indexOf("Worst answers");
    assertTrue(html.indexOf("Question &lt;3&gt;?", worst) < html.indexOf("Question &lt;1&gt;?", worst));
  }

  @Test
  void histogramPutsOneInTheLastBin() {
    String svg = HtmlReport.histogram(new double[] {0, 0.05, 0.5, 1.0, 1.0});
    assertTrue(svg.contains("<title>0.0-0.1: 2</title>"), svg);
    assertTrue(svg.contains("<title>0.9-1.0: 2</title>"), svg);
    assertTrue(svg.contains("<title>0.5-0.6: 1</title>"), svg);
    assertEquals(10, svg.split("<rect").length - 1);
  }
}
