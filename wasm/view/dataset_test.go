package view

import (
	"strings"
	"testing"

	"github.com/govae/govae/core/mnist"
)

func TestDatasetSetting(t *testing.T) {
	if d := DefaultSettings().Dataset; d != "mnist" {
		t.Errorf("default data set %q, want mnist", d)
	}
	for _, id := range []string{"mnist", "fashion", "kmnist", OwnDataset} {
		s, notices := ParseQuery("dataset=" + id)
		if len(notices) != 0 || s.Dataset != id {
			t.Errorf("dataset=%s: got %q, notices %v", id, s.Dataset, notices)
		}
		if !strings.HasPrefix(s.Query(), "dataset="+id+"&") {
			t.Errorf("dataset=%s: query %q", id, s.Query())
		}
		back, _ := ParseQuery(s.Query())
		if back.Dataset != id {
			t.Errorf("dataset=%s does not survive the round trip: %q", id, back.Dataset)
		}
	}
	s, notices := ParseQuery("dataset=cifar10")
	if s.Dataset != "mnist" || len(notices) != 1 || !strings.Contains(notices[0].Message, "mnist, fashion, kmnist, own") {
		t.Errorf("dataset=cifar10: got %q, notices %v", s.Dataset, notices)
	}
	if err := s.Set(DatasetKey, "MNIST"); err == nil {
		t.Error("an ID in the wrong case was accepted")
	}
}

func TestDownloadFailure(t *testing.T) {
	const file = "data/t10k-images-idx3-ubyte.gz"
	msg, retry := DownloadFailure("Test digits", file, 404, file+": HTTP 404 Not Found")
	if retry || !strings.Contains(msg, "this site does not have "+file+" (HTTP 404)") || strings.Contains(msg, "connection") {
		t.Errorf("404: %q, retry %v", msg, retry)
	}
	if _, retry := DownloadFailure("Test digits", file, 410, "gone"); retry {
		t.Error("410 offers Retry")
	}
	msg, retry = DownloadFailure("Training digits", file, 0, file+": the network failed (Failed to fetch)")
	if !retry || !strings.Contains(msg, "Training digits could not be downloaded: "+file+": the network failed (Failed to fetch)") ||
		!strings.Contains(msg, "retry when the connection is back") {
		t.Errorf("network failure: %q, retry %v", msg, retry)
	}
	msg, retry = DownloadFailure("Test digits", file, 503, file+": HTTP 503 Service Unavailable")
	if !retry || !strings.Contains(msg, "HTTP 503") || strings.Contains(msg, "does not have") {
		t.Errorf("503: %q, retry %v", msg, retry)
	}
}

func TestClassLabel(t *testing.T) {
	for _, c := range []struct {
		class   mnist.Class
		canShow bool
		want    string
	}{
		{mnist.KMNIST.Classes[0], true, "お o"},
		{mnist.KMNIST.Classes[0], false, "o"},
		{mnist.Fashion.Classes[0], true, "T-shirt/top"},
		{mnist.Fashion.Classes[9], false, "Ankle boot"},
		{mnist.MNIST.Classes[7], true, "7"},
		{mnist.Class{Name: "x"}, true, "x"},
	} {
		if got := ClassLabel(c.class, c.canShow); got != c.want {
			t.Errorf("ClassLabel(%+v, %v) = %q, want %q", c.class, c.canShow, got, c.want)
		}
	}
}
