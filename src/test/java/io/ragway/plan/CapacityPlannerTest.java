package io.ragway.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The planner's figures against hand-computed examples (docs/capacity.md works the first one through). */
class CapacityPlannerTest {

  private static final ModelShape LLAMA_3_8B = new ModelShape(8e9, 32, 8, 128, Dtype.FP16, Dtype.FP16);
  private static final ModelShape LLAMA_3_70B = new ModelShape(70e9, 80, 8, 128, Dtype.FP16, Dtype.FP16);

  @Test
  void kvCachePerTokenMatchesPublishedShapes() {
    // Llama 3 8B and 70B (grouped-query attention, 8 KV heads of 128): 128 KiB and 320 KiB a token
    assertEquals(131_072, LLAMA_3_8B.kvBytesPerToken());
    assertEquals(327_680, LLAMA_3_70B.kvBytesPerToken());
    // OPT-13B (40 layers, 40 heads of 128, no GQA): the vLLM paper's "800 KB" a token
    assertEquals(819_200, new ModelShape(13e9, 40, 40, 128, Dtype.FP16, Dtype.FP16).kvBytesPerToken());
    assertEquals(65_536, new ModelShape(8e9, 32, 8, 128, Dtype.FP16, Dtype.FP8).kvBytesPerToken());
  }

  @Test
  void anEightBillionModelOnOneA100() {
    Hardware a100 = Hardware.preset("a100-80gb").withPrice(2);
    CapacityPlanner.Plan p = CapacityPlanner.plan(LLAMA_3_8B, a100, 8192, new CapacityPlanner.Load(20, 1500, 300),
        CapacityPlanner.Assumptions.defaults());
    assertEquals(16e9, p.weightBytesPerGpu());
    assertEquals(59_161_927_680d, p.kvBudgetBytes(), 1); // (80 * 0.9 - 2) GiB - 16e9
    assertEquals(235_929_600d, p.kvBytesPerRequest()); // 1,800 tokens
    assertEquals(250, p.concurrentRequests());
    assertEquals(55, p.concurrentAtContext());
    assertEquals(250, p.batch());
    assertEquals(0.0490907, p.decodeStepSeconds(), 1e-6); // (16e9 + 250 * 131072 * 1650) / (2039e9 * 0.7)
    assertEquals(5092.61, p.decodeTokensPerSecond(), 0.01);
    assertEquals(9750, p.prefillTokensPerSecond(), 1e-6); // 312e12 * 0.5 / (2 * 8e9)
    assertEquals(0.153846, p.timeToFirstTokenSeconds(), 1e-6);
    assertEquals(4.70021, p.requestsPerSecondPerReplica(), 1e-4); // 1 / (1500 / 9750 + 300 / 5092.63)
    assertEquals(5, p.replicas());
    assertEquals(0.85103, p.utilization(), 1e-4);
    assertEquals(0.462963, p.costPerMillionOutputTokens(), 1e-6); // 5 GPUs * $2/h over 6,000 output tokens/s
    assertEquals(0.0771605, p.costPerMillionTokens(), 1e-6);
    assertEquals(0.393993, p.costPerMillionOutputTokensAtCapacity(), 1e-5);
  }

  @Test
  void aSeventyBillionModelNeedsTensorParallelism() {
    Hardware h100 = Hardware.preset("h100-80gb");
    CapacityPlanner.Load load = new CapacityPlanner.Load(2, 1000, 200);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CapacityPlanner.plan(LLAMA_3_70B, h100, 8192, load, CapacityPlanner.Assumptions.defaults()));
    assertTrue(e.getMessage().contains("--gpus"), e.getMessage());

    CapacityPlanner.Plan p = CapacityPlanner.plan(LLAMA_3_70B, h100.withGpus(4), 8192, load,
        CapacityPlanner.Assumptions.defaults());
    assertEquals(35e9, p.weightBytesPerGpu());
    assertEquals(160_647_710_720d, p.kvBudgetBytes(), 1); // 4 * 70 GiB - 140e9
    assertEquals(59, p.concurrentAtContext()); // 2,684,354,560 bytes a full sequence
    assertEquals(408, p.concurrentRequests()); // 1,200 tokens of 327,680 bytes each
    assertEquals(256, p.batch(), "held to vLLM's default max_num_seqs");
    assertEquals(-1, p.costPerMillionTokens(), "no price given");
    assertEquals(10_338.1, p.decodeTokensPerSecond(), 0.5); // 256 / ((140e9 + 256 * 327680 * 1100) / (4 * 3350e9 * 0.7))
    assertEquals(14_128.6, p.prefillTokensPerSecond(), 0.1); // 4 * 989e12 * 0.5 / 140e9
    assertEquals(1, p.replicas());
    assertEquals(4, p.gpus());
  }

  @Test
  void refusesWhatCannotFit() {
    CapacityPlanner.Assumptions a = CapacityPlanner.Assumptions.defaults();
    Hardware l4 = Hardware.preset("l4");
    assertThrows(IllegalArgumentException.class,
        () -> CapacityPlanner.plan(LLAMA_3_8B, l4, 1024, new CapacityPlanner.Load(1, 1000, 100), a),
        "1,100 tokens in a 1,024 context");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CapacityPlanner.plan(LLAMA_3_8B, l4, 131_072, new CapacityPlanner.Load(1, 1000, 100), a));
    assertTrue(e.getMessage().contains("KV cache"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Hardware.preset("tpu-v9"));
    assertThrows(IllegalArgumentException.class, () -> Dtype.parse("fp12"));
  }
}
