package io.ragway.rollout;

import io.ragway.testkit.FakeClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.telemetry.Telemetry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DriftMonitorTest {

  private static final DriftConfig CONFIG = new DriftConfig(true, 400, 200, 8, 0.25, 10, 7);

  /** Unit vectors around {@code topics} centres in 32 dimensions; {@code weights} says how often each topic is asked. */
  private static List<float[]> questions(Random random, double[] weights, int n) {
    Random centres = new Random(99); // the same topics in every call
    float[][] topics = new float[weights.length][32];
    for (float[] t : topics) {
      for (int d = 0; d < t.length; d++) {
        t[d] = (float) centres.nextGaussian();
      }
    }
    List<float[]> out = new ArrayList<>();
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    for (int i = 0; i < n; i++) {
      double r = random.nextDouble() * total;
      int topic = 0;
      while (r > weights[topic]) {
        r -= weights[topic++];
      }
      float[] v = new float[32];
      double norm = 0;
      for (int d = 0; d < v.length; d++) {
        v[d] = topics[topic][d] + (float) (random.nextGaussian() * 0.3);
        norm += v[d] * v[d];
      }
      for (int d = 0; d < v.length; d++) {
        v[d] /= (float) Math.sqrt(norm);
      }
      out.add(v);
    }
    return out;
  }

  private static double lastPsi(DriftMonitor m, List<float[]> vectors, List<String> alerts) {
    double psi = -1;
    for (float[] v : vectors) {
      Optional<DriftMonitor.Reading> r = m.observe(v, false);
      if (r.isPresent()) {
        psi = r.get().psi();
        alerts.addAll(r.get().alerts());
      }
    }
    return psi;
  }

  @Test
  void theSameDistributionHasALowPsi() {
    double[] weights = {1, 1, 1, 1, 1, 1, 1, 1};
    DriftMonitor m = new DriftMonitor(CONFIG);
    List<String> alerts = new ArrayList<>();
    lastPsi(m, questions(new Random(1), weights, 400), alerts);
    double psi = lastPsi(m, questions(new Random(2), weights, 400), alerts);
    assertTrue(psi >= 0 && psi < 0.1, "psi " + psi);
    assertEquals(List.of(), alerts);
  }

  @Test
  void aShiftedDistributionHasAHighPsiAndRaisesOnce() {
    DriftMonitor m = new DriftMonitor(CONFIG);
    List<String> alerts = new ArrayList<>();
    lastPsi(m, questions(new Random(1), new double[] {1, 1, 1, 1, 1, 1, 1, 1}, 400), alerts);
    double psi = lastPsi(m, questions(new Random(2), new double[] {6, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 6}, 400), alerts);
    assertTrue(psi > 0.5, "psi " + psi);
    assertEquals(List.of("psi"), alerts); // once per excursion, not once per question
  }

  @Test
  void theSameSeedGivesTheSamePsi() {
    double[] shifted = {3, 1, 1, 1, 0.5, 0.5, 1, 1};
    double a = lastPsi(new DriftMonitor(CONFIG), concat(questions(new Random(1), new double[] {1, 1, 1, 1, 1, 1, 1, 1}, 400),
        questions(new Random(3), shifted, 300)), new ArrayList<>());
    double b = lastPsi(new DriftMonitor(CONFIG), concat(questions(new Random(1), new double[] {1, 1, 1, 1, 1, 1, 1, 1}, 400),
        questions(new Random(3), shifted, 300)), new ArrayList<>());
    assertEquals(a, b);
  }

  @Test
  void aRisingAbstentionRateIsRaised() {
    DriftMonitor m = new DriftMonitor(CONFIG);
    List<float[]> same = questions(new Random(1), new double[] {1, 1, 1, 1, 1, 1, 1, 1}, 800);
    List<String> alerts = new ArrayList<>();
    for (int i = 0; i < same.size(); i++) {
      boolean abstained = i < 400 ? i % 10 == 0 : i % 4 == 0; // 10% in the baseline, 25% later
      m.observe(same.get(i), abstained).ifPresent(r -> alerts.addAll(r.alerts()));
    }
    assertEquals(List.of("abstention"), alerts);
  }

  @Test
  void psiAndKlOfKnownHistograms() {
    long[] e = {50, 50};
    assertEquals(0, Divergence.psi(e, e), 1e-12);
    // (0.2 - 0.5) ln(0.2 / 0.5) + (0.8 - 0.5) ln(0.8 / 0.5), with half-count smoothing
    double a0 = 20.5 / 101;
    double a1 = 80.5 / 101;
    double e0 = 50.5 / 101;
    assertEquals((a0 - e0) * Math.log(a0 / e0) + (a1 - e0) * Math.log(a1 / e0), Divergence.psi(e, new long[] {20, 80}), 1e-12);
    assertEquals(a0 * Math.log(a0 / e0) + a1 * Math.log(a1 / e0), Divergence.kl(e, new long[] {20, 80}), 1e-12);
  }

  @Test
  void aDriftAlertIsCountedInTheMetrics() {
    Telemetry metrics = Telemetry.prometheus();
    WindowedRollouts r = new WindowedRollouts(List.of(), CONFIG, null, RolloutStore.inMemory(), metrics, Optional.empty(),
        new FakeClock(), () -> 0);
    questions(new Random(1), new double[] {1, 1, 1, 1, 1, 1, 1, 1}, 400).forEach(v -> r.observe("rag", v, false));
    questions(new Random(2), new double[] {6, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 6}, 400).forEach(v -> r.observe("rag", v, false));
    String scrape = metrics.scrape();
    assertTrue(scrape.contains("ragway_drift_alerts_total{kind=\"psi\",model=\"rag\"} 1.0"), scrape);
    assertTrue(scrape.contains("ragway_drift_psi{model=\"rag\"}"), scrape);
    metrics.close();
  }

  private static List<float[]> concat(List<float[]> a, List<float[]> b) {
    List<float[]> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  @Test
  void answeredQuestionsAreEmbeddedAndTracked() throws Exception {
    Telemetry metrics = Telemetry.prometheus();
    DriftConfig small = new DriftConfig(true, 8, 8, 2, 0.25, 10, 7);
    WindowedRollouts r = new WindowedRollouts(List.of(), small, null, RolloutStore.inMemory(), metrics,
        Optional.of(new io.ragway.testkit.HashingEmbedder(16)), new FakeClock(), () -> 0);
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (int i = 0; i < 16; i++) {
      com.fasterxml.jackson.databind.node.ObjectNode body = json.createObjectNode().put("model", "rag");
      body.putArray("messages").addObject().put("role", "user").put("content", "question " + (i % 3));
      Ticket t = r.route(new Rollouts.Request("rag", body, "k", "", io.ragway.index.Filter.all(), "r" + i));
      t.abstained(i >= 8);
      t.answered(body, json.createObjectNode().put("content", "an answer"));
      t.settle(200);
    }
    long deadline = System.nanoTime() + 5_000_000_000L; // embeddings run on virtual threads
    while (!metrics.scrape().contains("ragway_drift_abstention_rate{model=\"rag\",window=\"current\"} 1.0")) {
      assertTrue(System.nanoTime() < deadline, metrics.scrape());
      Thread.sleep(10);
    }
    assertTrue(metrics.scrape().contains("ragway_drift_alerts_total{kind=\"abstention\",model=\"rag\"} 1.0"));
    metrics.close();
  }
}
