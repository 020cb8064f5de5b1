// Package e2e holds govae's end-to-end tests: the site exactly as `make
// build` writes it, served by internal/site, in headless Chromium (the
// explorer, the lab, the weights' preview, partial redraws, the training
// workers), and the page's loader under node. It has no code of its own
// outside its tests, which build the site themselves (make build into a
// temporary directory) and skip without Chromium or node unless CI=true:
//
//	go test -count=1 ./e2e/...
package e2e
