/** The real-images tier's switch (HELK_TEST_IMAGES) and the image map it yields (test/helpers/doubles.ts). */
import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGES, SERVICE_NAMES } from "../../compose/config/schema.js";
import {
  DOUBLE_IMAGES,
  ES_FIXTURE,
  JUPYTER_FIXTURE,
  KAFKA_FIXTURE,
  neededLocally,
  STANDIN_UNHEALTHY,
  testImageMap,
  testImagesMode,
} from "../helpers/doubles.js";

describe("HELK_TEST_IMAGES", () => {
  it("defaults to the doubles; upstream selects the real-images tier; anything else is refused", () => {
    expect(testImagesMode({})).toBe("doubles");
    expect(testImagesMode({ HELK_TEST_IMAGES: "doubles" })).toBe("doubles");
    expect(testImagesMode({ HELK_TEST_IMAGES: "upstream" })).toBe("upstream");
    expect(() => testImagesMode({ HELK_TEST_IMAGES: "real" })).toThrow(/use doubles \(the default\) or upstream/);
  });

  it("doubles: every service on a locally built image, none on an upstream one", () => {
    const map = testImageMap("doubles");
    expect(map).toEqual(DOUBLE_IMAGES);
    expect(Object.keys(map).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const key of SERVICE_NAMES) {
      expect(map[key], key).toMatch(/^helk-test\//);
      expect(map[key], key).not.toBe(DEFAULT_IMAGES[key]);
    }
  });

  it("upstream: every service on the image HELK configures by default, including a test's chosen fixtures", () => {
    expect(testImageMap("upstream")).toEqual(DEFAULT_IMAGES);
    // The lab and hunt tests pick the notebook fixture; the tier runs the upstream notebook image.
    expect(testImageMap("upstream", { jupyter: JUPYTER_FIXTURE })).toEqual(DEFAULT_IMAGES);
    expect(testImageMap("doubles", { jupyter: JUPYTER_FIXTURE }).jupyter).toBe(JUPYTER_FIXTURE);
  });

  it("upstream keeps what a test chose on purpose (a broken double, a re-tagged image)", () => {
    const map = testImageMap("upstream", { logstash: STANDIN_UNHEALTHY, kafka: "helk-test/kafka:next" });
    expect(map.logstash).toBe(STANDIN_UNHEALTHY);
    expect(map.kafka).toBe("helk-test/kafka:next");
    expect(map.elasticsearch).toBe(DEFAULT_IMAGES.elasticsearch);
  });

  it("upstream needs no fixture present beforehand (install pulls), but still the deliberate doubles", () => {
    expect(neededLocally([KAFKA_FIXTURE, ES_FIXTURE, JUPYTER_FIXTURE, STANDIN_UNHEALTHY], "upstream")).toEqual([STANDIN_UNHEALTHY]);
    expect(neededLocally([KAFKA_FIXTURE, JUPYTER_FIXTURE], "doubles")).toEqual([KAFKA_FIXTURE, JUPYTER_FIXTURE]);
  });
});
