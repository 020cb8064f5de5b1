package view

import (
	"fmt"
	"strings"

	"github.com/govae/govae/core/mnist"
)

// DatasetKey is the URL parameter of the data set shown and trained.
const DatasetKey = "dataset"

// OwnDataset is the data set value of the visitor's own imported images,
// which a link cannot carry: a page opened with it says so and starts on
// MNIST.
const OwnDataset = "own"

// parseDataset accepts a data set ID of core/mnist's Sources or
// OwnDataset.
func parseDataset(value string) (string, error) {
	if value == OwnDataset {
		return value, nil
	}
	if _, err := mnist.SourceByID(value); err != nil {
		return "", fmt.Errorf("data set %q is not one of %s, %s", value, strings.Join(mnist.SourceIDs(), ", "), OwnDataset)
	}
	return value, nil
}

// DownloadFailure words a failed download of the page's data for the
// panel: what is the subject ("Test digits"), file the site path asked for,
// status the HTTP status the server answered (0 when no answer came: a
// network failure) and detail the error's text. A file the site does not
// have (404, 410) is named as such and retry is false — asking again will
// not bring it; a network failure or another HTTP error offers Retry.
func DownloadFailure(what, file string, status int, detail string) (msg string, retry bool) {
	switch status {
	case 404, 410:
		return fmt.Sprintf("%s: this site does not have %s (HTTP %d). The site was built without it; everything else keeps working.",
			what, file, status), false
	case 0:
		return fmt.Sprintf("%s could not be downloaded: %s. Everything else keeps working; retry when the connection is back.",
			what, detail), true
	}
	return fmt.Sprintf("%s could not be downloaded: %s. Everything else keeps working; retry in a moment.", what, detail), true
}

// ClassLabel is a class's name in the overlay legend: the publisher's name,
// followed by its Latin form when that differs ("お o"); only the Latin
// form when the page's font cannot show the name (canShow false).
func ClassLabel(c mnist.Class, canShow bool) string {
	switch {
	case !canShow || c.Name == "":
		return c.Latin
	case c.Latin == "" || c.Latin == c.Name:
		return c.Name
	}
	return c.Name + " " + c.Latin
}
