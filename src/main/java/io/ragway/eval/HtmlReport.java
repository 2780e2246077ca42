package io.ragway.eval;

import io.ragway.eval.AnswerEvaluation.Result;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An answer evaluation as one self-contained HTML page: inline CSS and SVG charts drawn here, no
 * scripts, fonts or files from elsewhere, so it can be mailed or attached to a CI run.
 */
public final class HtmlReport {

  /** Rows listed as the worst answers. */
  static final int WORST = 15;
  /** Abstentions listed. */
  static final int ABSTENTIONS = 30;

  private static final String CSS = """
      body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;background:#f5f6f8}
      main{max-width:1100px;margin:0 auto;padding:24px}
      h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px}
      .sub{color:#5b6573;margin-bottom:16px}
      .card{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:16px;margin-bottom:16px}
      .tiles{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
      .tile{background:#fff;border:1px solid #e1e4e8;border-radius:8px;padding:12px 14px}
      .tile .v{font-size:24px;font-weight:600}.tile .l{color:#5b6573;font-size:12px;text-transform:uppercase;letter-spacing:.04em}
      .grid{display:grid;grid-template-columns:repeat(3,1fr);gap:12px}
      .grid .card{margin:0;padding:10px 12px}.grid h3{font-size:13px;margin:0 0 4px}
      table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 8px;vertical-align:top}
      th{color:#5b6573;font-weight:500;font-size:12px}
      .cfg td:first-child{color:#5b6573;width:150px}
      .q{border-top:1px solid #e1e4e8;padding:12px 0}.q:first-child{border-top:0}
      .qh{font-weight:600}.meta{color:#5b6573;font-size:12px}
      .pair{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-top:6px}
      .box{background:#f7f8fa;border-radius:6px;padding:8px 10px;white-space:pre-wrap}
      .box b{display:block;font-size:11px;color:#5b6573;text-transform:uppercase;letter-spacing:.04em}
      .chips span{display:inline-block;background:#eef1f5;border-radius:10px;padding:1px 8px;margin:2px 4px 0 0;font-size:12px}
      details{margin-top:6px}summary{cursor:pointer;color:#3b5bdb}
      .ctx{font-size:12px;color:#333;background:#fbfbfc;border-left:3px solid #c5cdd8;padding:4px 8px;margin:4px 0;white-space:pre-wrap}
      """;

  private HtmlReport() {}

  public static String render(AnswerReport report) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ragway answer evaluation</title><style>")
        .append(CSS).append("</style></head><body><main>");
    h.append("<h1>Answer evaluation</h1><div class=\"sub\">").append(esc(report.config().getOrDefault("dataset", "")))
        .append(" &middot; ").append(report.results().size()).append(" questions &middot; ")
        .append(esc(report.config().getOrDefault("model", ""))).append("</div>");
    tiles(h, report);
    h.append("<h2>Mean scores</h2><div class=\"card\">").append(bars(report.means(), report.counts()))
        .append("<div class=\"meta\">Against the reference: exact_match, f1, rouge_l, bleu (words) and embedding_similarity ")
        .append("(meaning). Of the answer and its contexts: faithfulness, answer_relevancy, context_precision, context_recall ")
        .append("(judge: ").append(esc(report.config().getOrDefault("judge", "?"))).append("). n = questions scored.</div></div>");
    h.append("<h2>Distribution per question</h2><div class=\"grid\">");
    for (String m : report.means().keySet()) {
      double[] values = report.results().stream().filter(r -> r.scores().containsKey(m)).mapToDouble(r -> r.scores().get(m))
          .toArray();
      h.append("<div class=\"card\"><h3>").append(esc(m)).append("</h3>").append(histogram(values)).append("</div>");
    }
    h.append("</div>");
    worst(h, report);
    abstentions(h, report);
    h.append("<h2>Configuration</h2><div class=\"card\"><table class=\"cfg\">");
    report.config().forEach((k, v) -> h.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(v)).append("</td></tr>"));
    if (!report.judgeFailures().isEmpty()) {
      h.append("<tr><td>judge failures</td><td>").append(esc(report.judgeFailures().toString())).append("</td></tr>");
    }
    h.append("</table></div></main></body></html>\n");
    return h.toString();
  }

  private static void tiles(StringBuilder h, AnswerReport r) {
    LatencyStats l = r.latency();
    h.append("<div class=\"tiles\">");
    tile(h, Integer.toString(r.results().size()), "questions");
    tile(h, fmt("%.1f%%", 100 * r.abstentionRate()), "abstained (" + r.abstentions() + ")");
    tile(h, l.count() == 0 ? "-" : fmt("%.0f ms", l.p50Ms()), "answer latency p50");
    tile(h, l.count() == 0 ? "-" : fmt("%.0f ms", l.p99Ms()), "answer latency p99");
    h.append("</div>");
  }

  private static void tile(StringBuilder h, String value, String label) {
    h.append("<div class=\"tile\"><div class=\"v\">").append(esc(value)).append("</div><div class=\"l\">").append(esc(label))
        .append("</div></div>");
  }

  /** One horizontal bar per metric on a 0-1 scale, the mean written beside it. */
  static String bars(Map<String, Double> means, Map<String, Integer> counts) {
    int rowH = 26;
    int labelW = 170;
    int barW = 720;
    int height = means.size() * rowH + 24;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1000 ").append(height)
        .append("\" width=\"100%\" role=\"img\" aria-label=\"mean score per metric\">");
    for (int t = 0; t <= 10; t += 2) {
      double x = labelW + barW * t / 10.0;
      s.append(fmt("<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e6e8eb\"/>", x, x, height - 18));
      s.append(fmt("<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"#8a94a3\" text-anchor=\"middle\">%.1f</text>", x, height - 4,
          t / 10.0));
    }
    int i = 0;
    for (Map.Entry<String, Double> e : means.entrySet()) {
      int y = i++ * rowH + 4;
      double w = Math.max(1, barW * Math.min(1, Math.max(0, e.getValue())));
      s.append(fmt("<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#1d2430\" text-anchor=\"end\">%s</text>", labelW - 10, y + 14,
          esc(e.getKey())));
      s.append(fmt("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" rx=\"3\" fill=\"%s\"/>", labelW, y, w, rowH - 8,
          color(e.getValue())));
      s.append(fmt("<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"#1d2430\">%.3f  (n=%d)</text>", labelW + w + 6, y + 14,
          e.getValue(), counts.getOrDefault(e.getKey(), 0)));
    }
    return s.append("</svg>").toString();
  }

  /** Ten bins over [0, 1] (the last one closed), bar heights relative to the fullest bin. */
  static String histogram(double[] values) {
    int[] bins = new int[10];
    for (double v : values) {
      bins[Math.min(9, Math.max(0, (int) Math.floor(v * 10)))]++;
    }
    int max = 1;
    for (int b : bins) {
      max = Math.max(max, b);
    }
    int w = 300;
    int h = 120;
    int base = 100;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(w).append(' ').append(h)
        .append("\" width=\"100%\" role=\"img\">");
    double bw = (w - 20) / 10.0;
    for (int i = 0; i < 10; i++) {
      double bh = 86.0 * bins[i] / max;
      double x = 10 + i * bw;
      s.append(fmt("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%.1f-%.1f: %d</title></rect>",
          x + 1, base - bh, bw - 2, bh, color((i + 0.5) / 10), i / 10.0, (i + 1) / 10.0, bins[i]));
      if (bins[i] > 0) {
        s.append(fmt("<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"#5b6573\" text-anchor=\"middle\">%d</text>", x + bw / 2,
            base - bh - 3, bins[i]));
      }
    }
    s.append(fmt("<line x1=\"10\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9aa3af\"/>", base, w - 10, base));
    s.append(fmt("<text x=\"10\" y=\"%d\" font-size=\"10\" fill=\"#8a94a3\">0</text>", base + 14));
    s.append(fmt("<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#8a94a3\" text-anchor=\"middle\">0.5</text>", w / 2, base + 14));
    s.append(fmt("<text x=\"%d\" y=\"%d\" font-size=\"10\" fill=\"#8a94a3\" text-anchor=\"end\">1</text>", w - 10, base + 14));
    return s.append("</svg>").toString();
  }

  /** The rows with the lowest mean over their scores. */
  private static void worst(StringBuilder h, AnswerReport r) {
    List<Result> worst = r.results().stream().filter(x -> !x.scores().isEmpty())
        .sorted(Comparator.comparingDouble(HtmlReport::meanScore)).limit(WORST).toList();
    h.append("<h2>Worst answers</h2><div class=\"sub\">The ").append(worst.size())
        .append(" questions with the lowest mean over their scores.</div><div class=\"card\">");
    for (Result x : worst) {
      question(h, x);
    }
    h.append("</div>");
  }

  private static void abstentions(StringBuilder h, AnswerReport r) {
    List<Result> abstained = r.results().stream().filter(Result::abstained).toList();
    h.append("<h2>Abstentions</h2><div class=\"sub\">").append(abstained.size())
        .append(abstained.size() == 1 ? " answer says" : " answers say").append(" the documents do not hold one")
        .append(abstained.size() > ABSTENTIONS ? "; the first " + ABSTENTIONS + " are shown." : ".").append("</div>");
    if (abstained.isEmpty()) {
      return;
    }
    h.append("<div class=\"card\">");
    abstained.stream().limit(ABSTENTIONS).forEach(x -> question(h, x));
    h.append("</div>");
  }

  private static void question(StringBuilder h, Result x) {
    h.append("<div class=\"q\"><div class=\"qh\">").append(esc(x.row().question())).append("</div><div class=\"meta\">");
    if (!x.row().id().equals("line " + x.row().line())) {
      h.append(esc(x.row().id())).append(" &middot; ");
    }
    h.append("line ").append(x.row().line());
    x.latencyMs().ifPresent(ms -> h.append(" &middot; ").append(fmt("%.0f ms", ms)));
    h.append("</div><div class=\"chips\">");
    for (String m : AnswerEvaluation.METRICS) {
      if (x.scores().containsKey(m)) {
        h.append("<span>").append(esc(m)).append(' ').append(fmt("%.2f", x.scores().get(m))).append("</span>");
      }
    }
    h.append("</div><div class=\"pair\"><div class=\"box\"><b>answer</b>").append(esc(x.answer()))
        .append("</div><div class=\"box\"><b>reference</b>").append(esc(x.row().reference())).append("</div></div>");
    if (!x.contexts().isEmpty()) {
      h.append("<details><summary>").append(x.contexts().size()).append(" contexts</summary>");
      for (int i = 0; i < x.contexts().size(); i++) {
        h.append("<div class=\"ctx\">[").append(i + 1).append("] ").append(esc(x.contexts().get(i))).append("</div>");
      }
      h.append("</details>");
    }
    h.append("</div>");
  }

  private static double meanScore(Result r) {
    return r.scores().values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }

  /** Red through amber to green over [0, 1]. */
  private static String color(double v) {
    double t = Math.min(1, Math.max(0, v));
    int hue = (int) Math.round(t * 130);
    return "hsl(" + hue + ",62%,52%)";
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
