{
  "comment": "For node-gyp based tools (electron-rebuild, prebuildify): delegates to the CMake build in scripts/build-native.mjs, which writes build/Release/persian_lora.node. npm itself runs scripts/install.mjs, never node-gyp.",
  "targets": [
    {
      "target_name": "persian_lora",
      "type": "none",
      "actions": [
        {
          "action_name": "cmake_js_build",
          "inputs": ["<(module_root_dir)/CMakeLists.txt"],
          "outputs": ["<(module_root_dir)/build/Release/persian_lora.node"],
          "action": ["node", "<(module_root_dir)/scripts/build-native.mjs"]
        }
      ]
    }
  ]
}
