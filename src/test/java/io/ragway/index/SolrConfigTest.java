package io.ragway.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ragway.config.ConfigException;
import io.ragway.config.ConfigLoader;
import io.ragway.config.RagwayConfig;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;

class SolrConfigTest {

  @Test
  void readsTheSolrBackendFromYaml() {
    RagwayConfig c = ConfigLoader.parse("""
        index:
          backend: solr
          solr:
            urls: [http://a:8983/solr, http://b:8983/solr]
            collection: docs
            shards: 4
        """, "test", k -> null);
    assertEquals("solr", c.index().backend());
    assertEquals(new SolrConfig(List.of("http://a:8983/solr", "http://b:8983/solr"), "docs", 4, 2), c.index().solr().toSolrConfig());
    assertEquals("embedded", RagwayConfig.defaults().index().backend());
  }

  @Test
  void rejectsAnUnknownBackendAndASolrBackendWithoutNodes() {
    ConfigException unknown = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("index:\n  backend: elastic\n", "test", k -> null));
    assertTrue(unknown.getMessage().contains("index.backend must be 'embedded' or 'solr'"), unknown.getMessage());
    ConfigException noUrls = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse("index:\n  backend: solr\n", "test", k -> null));
    assertTrue(noUrls.getMessage().contains("index.solr.urls"), noUrls.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new SolrConfig(List.of("solr1:8983"), "c", 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new SolrConfig(List.of("http://s/solr"), "has space", 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new SolrConfig(List.of("http://s/solr"), "c", 0, 1));
  }

  @Test
  void configsetCarriesTheIndexSettings() throws Exception {
    IndexConfig config = new IndexConfig(24, 120, 100, 1.2f, 0.75f);
    Map<String, String> files = new HashMap<>();
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(SolrIndex.configset(config, 384)))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        files.put(e.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    assertEquals(java.util.Set.of("managed-schema.xml", "solrconfig.xml"), files.keySet());
    String schema = files.get("managed-schema.xml");
    assertTrue(schema.contains("vectorDimension=\"384\""), schema);
    assertTrue(schema.contains("hnswMaxConnections=\"24\"") && schema.contains("hnswBeamWidth=\"120\""), schema);
    assertTrue(schema.contains("<float name=\"k1\">1.2</float>") && schema.contains("<float name=\"b\">0.75</float>"), schema);
    assertTrue(schema.contains("similarityFunction=\"dot_product\""), schema);
    assertFalse(schema.contains("@"), "every placeholder is filled");
    assertTrue(files.get("solrconfig.xml").contains("ExactStatsCache"));
  }
}
