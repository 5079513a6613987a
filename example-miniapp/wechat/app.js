App({
  onLaunch() {
    // The MQTT connection belongs to the page; nothing to set up app-wide.
  },
  globalData: {}
})
