// The Vulkan device of the loaded addon (scripts/build-vulkan.sh builds one; lavapipe needs GGML_VK_VISIBLE_DEVICES=0).
// `npm run test:vulkan` sets PERSIAN_LORA_REQUIRE_VULKAN=1: there a missing device fails every test instead of skipping it.
// PERSIAN_LORA_TEST_DEVICE names another device family for the same tests (bench/gpu/run.sh: CUDA).
import test, { type TestFn } from 'ava';
import { native } from '../../lib/native/addon.js';

const family = process.env.PERSIAN_LORA_TEST_DEVICE ?? 'Vulkan';

/** ggml's name of the first device of the family ('Vulkan0', 'CUDA0'), or undefined when the addon has none. */
export const vulkanDevice: string | undefined = native().systemInfo().devices.split(',').find((d) => d.startsWith(family));

const missing = family !== 'Vulkan' ? `This addon has no ${family} device (PERSIAN_LORA_TEST_DEVICE=${family}): bench/gpu/run.sh builds one for CUDA`
  : 'This addon has no Vulkan device: build it with scripts/build-vulkan.sh and run with ' +
  'PERSIAN_LORA_ADDON=build/vulkan/persian_lora.node GGML_VK_VISIBLE_DEVICES=0 (npm run test:vulkan)';

/**
 * ava's serial test where a Vulkan device exists (one at a time: two graphs computing at once on one ggml-vulkan device
 * crash it); elsewhere skipped, or failing under PERSIAN_LORA_REQUIRE_VULKAN=1.
 */
export const vulkanTest: TestFn = vulkanDevice ? test.serial as unknown as TestFn
  : process.env.PERSIAN_LORA_REQUIRE_VULKAN === '1' ? ((title: string) => test(title, (t) => t.fail(missing))) as unknown as TestFn
  : test.skip as unknown as TestFn;
