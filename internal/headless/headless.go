//go:build !js

// Package headless holds the one set of Chromium options that govae's
// browser tests, benchmark and soak use: headless, software GL through
// SwiftShader (no GPU here or in CI), and no background traffic (the
// machines have no network beyond the package registries).
package headless

import "github.com/chromedp/chromedp"

// Options returns the allocator options for the browser binary exe with a
// fresh profile in userDataDir and a 1280×800 window.
func Options(exe, userDataDir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("use-gl", "angle"),
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		// A hidden headless tab must not have its timers throttled: the
		// page's work loop and the tests' polling depend on them.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(userDataDir),
		chromedp.WindowSize(1280, 800),
	}
}
