package mnist

import (
	"strings"
	"testing"
)

func TestSourcesTable(t *testing.T) {
	ids := map[string]bool{}
	for _, s := range Sources() {
		if ids[s.ID] {
			t.Errorf("ID %q twice", s.ID)
		}
		ids[s.ID] = true
		for i, f := range s.Files {
			if f.Name != FileNames()[i] {
				t.Errorf("%s file %d is %q, want %q", s.ID, i, f.Name, FileNames()[i])
			}
			if len(f.SHA256) != 64 || strings.Trim(f.SHA256, "0123456789abcdef") != "" ||
				len(f.MD5) != 32 || strings.Trim(f.MD5, "0123456789abcdef") != "" {
				t.Errorf("%s %s: digests %q %q are not lower-case hex of the right length", s.ID, f.Name, f.SHA256, f.MD5)
			}
			if f.Size <= 0 {
				t.Errorf("%s %s: size %d", s.ID, f.Name, f.Size)
			}
		}
		if len(s.Mirrors) == 0 || s.Home == "" || s.Credit == "" || s.License == "" || s.Weights == "" {
			t.Errorf("%s: incomplete %+v", s.ID, s)
		}
		for i, c := range s.Classes {
			if c.Name == "" || c.Latin == "" || strings.Trim(c.Latin, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -/") != "" {
				t.Errorf("%s class %d = %+v: want a name and a Latin-letter name", s.ID, i, c)
			}
		}
	}
	// Spot checks against the publishers' tables.
	if Fashion.Classes[9].Name != "Ankle boot" || Fashion.Classes[0].Name != "T-shirt/top" {
		t.Errorf("Fashion classes %v", Fashion.Classes)
	}
	if KMNIST.Classes[0] != (Class{"お", "o"}) || KMNIST.Classes[9] != (Class{"を", "wo"}) {
		t.Errorf("KMNIST classes %v", KMNIST.Classes)
	}
	if Fashion.Files[0].MD5 != "8d4fb7e6c68d591d4c3dfef9ec88bf0d" {
		t.Errorf("Fashion train images MD5 %s, want the README's 8d4fb7e6…", Fashion.Files[0].MD5)
	}
}

func TestSourceByID(t *testing.T) {
	for _, s := range Sources() {
		got, err := SourceByID(s.ID)
		if err != nil || got != s {
			t.Errorf("SourceByID(%q) = %v, %v", s.ID, got, err)
		}
	}
	_, err := SourceByID("cifar")
	checkErr(t, err, ErrUnknownSource, `"cifar"`, "mnist, fashion, kmnist")
}

func TestParseSources(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"mnist", "mnist"},
		{"all", "mnist fashion kmnist"},
		{"kmnist, mnist,kmnist", "kmnist mnist"},
	} {
		got, err := ParseSources(c.in)
		if err != nil {
			t.Fatalf("ParseSources(%q): %v", c.in, err)
		}
		var ids []string
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		if strings.Join(ids, " ") != c.want {
			t.Errorf("ParseSources(%q) = %v, want %s", c.in, ids, c.want)
		}
	}
	for _, bad := range []string{"", "mnist,", "fashion,emnist", "ALL"} {
		if _, err := ParseSources(bad); err == nil {
			t.Errorf("ParseSources(%q): no error", bad)
		}
	}
}

func TestSourcePaths(t *testing.T) {
	if got := MNIST.SitePath("t10k-labels-idx1-ubyte.gz"); got != "data/t10k-labels-idx1-ubyte.gz" {
		t.Errorf("MNIST.SitePath = %q", got)
	}
	if got := KMNIST.SitePath("t10k-labels-idx1-ubyte.gz"); got != "data/kmnist/t10k-labels-idx1-ubyte.gz" {
		t.Errorf("KMNIST.SitePath = %q", got)
	}
	if MNIST.EnvDir() != EnvDir || Fashion.EnvDir() != "FASHION_DIR" || KMNIST.EnvDir() != "KMNIST_DIR" {
		t.Errorf("EnvDir: %s %s %s", MNIST.EnvDir(), Fashion.EnvDir(), KMNIST.EnvDir())
	}
}
