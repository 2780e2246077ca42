package io.ragway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EvalConfigTest {

  @Test
  void judgeModelDefaultsToNoneAndMustNameAModel() {
    assertEquals("", RagwayConfig.defaults().eval().judgeModel());
    RagwayConfig c = ConfigLoader.parse("""
        models: [{name: judge, base_url: "http://127.0.0.1:1/v1"}]
        eval: {judge_model: judge}
        """, "test.yaml", Map.<String, String>of()::get);
    assertEquals("judge", c.eval().judgeModel());
    var e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("eval: {judge_model: gpt-9}", "test.yaml", Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains("eval.judge_model 'gpt-9' is not the name of one of the models"), e.getMessage());
    assertThrows(ConfigException.class, () -> ConfigLoader.parse("eval: {judge: x}", "test.yaml", Map.<String, String>of()::get));
  }
}
