package mnist

import (
	"errors"
	"fmt"
	"strings"
)

// Source is a data set published in MNIST's IDX format: 28×28 grey-scale
// images in ten classes, split into 60 000 training and 10 000 test images,
// as four gzip-compressed files with MNIST's file names. Load, FromBytes and
// the readers validate every one of them the same way.
type Source struct {
	// ID is the short name used on command lines, in URLs and in the site
	// manifest: "mnist", "fashion" or "kmnist".
	ID string
	// Name is the name the data set is published under, such as
	// "Fashion-MNIST".
	Name string
	// Classes names the ten labels 0–9, in label order.
	Classes [10]Class
	// Files are the four published files: training images and labels,
	// then test images and labels, with the sizes and digests that
	// identify them.
	Files [4]File
	// Mirrors are base URLs, tried in order, each serving the four files
	// under their names. The first is the publisher's own location.
	Mirrors []string
	// Home is the publisher's page for the data set.
	Home string
	// Credit is the attribution the licence asks for.
	Credit string
	// License names the data set's licence.
	License string
	// Weights is the site path of the pretrained weights for this data
	// set (relative to the site root), which may or may not exist.
	Weights string
}

// Class is the name of one label.
type Class struct {
	// Name is the class as its publisher names it: "7", "Sneaker", "お".
	Name string `json:"name"`
	// Latin is the name in Latin letters, for fonts without the
	// publisher's script: the romaji "o" for お; the same as Name for
	// MNIST and Fashion-MNIST.
	Latin string `json:"latin"`
}

// files returns the four files with MNIST's names and the given sizes,
// SHA-256 and MD5 digests, in FileNames order.
func files(sizes [4]int64, sha256, md5 [4]string) (fs [4]File) {
	for i, name := range FileNames() {
		fs[i] = File{Name: name, Size: sizes[i], SHA256: sha256[i], MD5: md5[i]}
	}
	return fs
}

func sameClasses(names ...string) (cs [10]Class) {
	for i, n := range names {
		cs[i] = Class{Name: n, Latin: n}
	}
	return cs
}

// The digests below are checked together: size, SHA-256 and MD5 must all
// match. Sources:
//   - sizes and SHA-256: TensorFlow Datasets' url_checksums (mnist.txt,
//     fashion_mnist.txt, kmnist.txt in github.com/tensorflow/datasets,
//     tensorflow_datasets/url_checksums/); for MNIST also computed from the
//     files in this project's ../shared/mnist, and for KMNIST the same
//     SHA-256 values appear in torchvision-ruby's datasets/kmnist.rb;
//   - MD5: Fashion-MNIST's README ("Get the Data" table,
//     github.com/zalandoresearch/fashion-mnist), the publisher's own
//     figures; KMNIST's publisher gives none in its README
//     (github.com/rois-codh/kmnist), so its MD5 values, like MNIST's, are
//     torchvision's (torchvision/datasets/mnist.py, class KMNIST and MNIST
//     resources).

// MNIST is Yann LeCun's handwritten digits, the page's default data set.
var MNIST = &Source{
	ID:      "mnist",
	Name:    "MNIST",
	Classes: sameClasses("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
	Files: files([4]int64{9912422, 28881, 1648877, 4542},
		[4]string{
			"440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
			"3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
			"8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
			"f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
		},
		[4]string{
			"f68b3c2dcbeaaa9fbdd348bbdeb94873",
			"d53e105ee54ea40749a09fcbcd1e9432",
			"9fb629c4189551a2d022fa330f9573f3",
			"ec29112dd5afa0611ce80d1b7f02629c",
		}),
	// The original site no longer serves the files reliably; these two
	// mirrors serve the identical files (the digests say so).
	Mirrors: []string{
		"https://storage.googleapis.com/cvdf-datasets/mnist/",
		"https://ossci-datasets.s3.amazonaws.com/mnist/",
	},
	Home:    "http://yann.lecun.com/exdb/mnist/",
	Credit:  "Yann LeCun, Corinna Cortes and Christopher J.C. Burges",
	License: "CC BY-SA 3.0",
	Weights: "assets/vae.bin",
}

// Fashion is Zalando Research's Fashion-MNIST: photographs of clothing
// articles, a drop-in replacement for MNIST. Class names from its README.
var Fashion = &Source{
	ID:   "fashion",
	Name: "Fashion-MNIST",
	Classes: sameClasses("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
		"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
	Files: files([4]int64{26421880, 29515, 4422102, 5148},
		[4]string{
			"3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
			"a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
			"346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
			"67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
		},
		[4]string{
			"8d4fb7e6c68d591d4c3dfef9ec88bf0d",
			"25c81989df183df01b3e8a0aad5dffbe",
			"bef4ecab320f06d8554ea6380940ec79",
			"bb300cfdad3c16e7a12a480ee83cd310",
		}),
	// The README's download links (an S3 website bucket, HTTP only), then
	// the data/fashion folder of the publisher's repository.
	Mirrors: []string{
		"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
		"https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
	},
	Home:    "https://github.com/zalandoresearch/fashion-mnist",
	Credit:  "Han Xiao, Kashif Rasul and Roland Vollgraf (Zalando Research)",
	License: "MIT",
	Weights: "assets/vae-fashion.bin",
}

// KMNIST is Kuzushiji-MNIST from the ROIS-DS Center for Open Data in the
// Humanities (CODH): ten cursive hiragana, one from each row of the
// syllabary. Characters from its kmnist_classmap.csv, romaji as in
// torchvision's KMNIST.classes.
var KMNIST = &Source{
	ID:   "kmnist",
	Name: "Kuzushiji-MNIST",
	Classes: [10]Class{
		{"お", "o"}, {"き", "ki"}, {"す", "su"}, {"つ", "tsu"}, {"な", "na"},
		{"は", "ha"}, {"ま", "ma"}, {"や", "ya"}, {"れ", "re"}, {"を", "wo"},
	},
	Files: files([4]int64{18165135, 29497, 3041136, 5120},
		[4]string{
			"51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
			"e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
			"edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",
			"20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c",
		},
		[4]string{
			"bdb82020997e1d708af4cf47b453dcf7",
			"e144d726b3acfaa3e44228e80efcd344",
			"5c965bf0a639b31b8f53240b1b52f4d7",
			"7320c461ea6c1c855c0b718fb2a4b134",
		}),
	// The README links to http://; the same host serves https.
	Mirrors: []string{
		"https://codh.rois.ac.jp/kmnist/dataset/kmnist/",
		"http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
	},
	Home:    "http://codh.rois.ac.jp/kmnist/",
	Credit:  `"KMNIST Dataset" (created by CODH), adapted from "Kuzushiji Dataset" (created by NIJL and others), doi:10.20676/00000341`,
	License: "CC BY-SA 4.0",
	Weights: "assets/vae-kmnist.bin",
}

// ErrUnknownSource reports a data set ID that is not one of Sources.
var ErrUnknownSource = errors.New("unknown data set")

// Sources returns the data sets govae knows, MNIST first.
func Sources() []*Source { return []*Source{MNIST, Fashion, KMNIST} }

// SourceIDs returns the IDs of Sources, in the same order.
func SourceIDs() []string {
	var ids []string
	for _, s := range Sources() {
		ids = append(ids, s.ID)
	}
	return ids
}

// SourceByID returns the data set with the given ID, or an error wrapping
// ErrUnknownSource that lists the known ones.
func SourceByID(id string) (*Source, error) {
	for _, s := range Sources() {
		if s.ID == id {
			return s, nil
		}
	}
	return nil, fmt.Errorf("mnist: %w %q: want one of %s", ErrUnknownSource, id, strings.Join(SourceIDs(), ", "))
}

// ParseSources turns a comma-separated list of IDs, or "all", into data
// sets, without repeats, in the order given. Errors wrap ErrUnknownSource.
func ParseSources(list string) ([]*Source, error) {
	if strings.TrimSpace(list) == "all" {
		return Sources(), nil
	}
	var out []*Source
	for _, id := range strings.Split(list, ",") {
		s, err := SourceByID(strings.TrimSpace(id))
		if err != nil {
			return nil, err
		}
		dup := false
		for _, o := range out {
			dup = dup || o == s
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out, nil
}

// EnvDir returns the environment variable that, when set, names the
// directory holding the data set's files: MNIST_DIR, FASHION_DIR,
// KMNIST_DIR.
func (s *Source) EnvDir() string { return strings.ToUpper(s.ID) + "_DIR" }

// SitePath returns where the site serves the named file, relative to the
// site root: data/NAME for MNIST (where the page has always fetched it),
// data/ID/NAME for the others.
func (s *Source) SitePath(name string) string {
	if s == MNIST {
		return "data/" + name
	}
	return "data/" + s.ID + "/" + name
}

// File returns the published file with the given name, if it is one of
// the data set's four.
func (s *Source) File(name string) (File, bool) {
	for _, f := range s.Files {
		if f.Name == name {
			return f, true
		}
	}
	return File{}, false
}

// String returns the data set's name.
func (s *Source) String() string { return s.Name }
