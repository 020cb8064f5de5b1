// Command leanebiten writes a copy of the Ebiten module that go.mod requires,
// with text/template and go/build (and all they pull in) taken out of the
// three files that link them, plus a go.mod that builds against that copy.
// The Makefile builds the page's WebAssembly binaries with it
// (go build -modfile=.cache/leanebiten/page.mod); nothing else uses it.
//
// Why: Ebiten v2.10 links two things the page never needs at run time.
//
//   - internal/builtinshader and internal/colormshader build their 3×3 Kage
//     shader sources with text/template when first asked. text/template calls
//     reflect.Value.MethodByName with names known only at run time, and once a
//     program can do that Go's linker must keep every exported method of every
//     type that is ever stored in an interface — across the whole page.
//   - internal/debug.FirstCaller asks go/build where Ebiten's source is, for
//     debug logging; go/build brings go/doc, go/parser's users, os/exec and
//     more. In a browser there is no file system, so the lookup always fails
//     and FirstCaller returns CallerTypeNone.
//
// The copy differs from Ebiten in those three files only: the shader files
// hold the template executed here, at build time, for every filter and
// address mode (tmplSources; exactly the template's output — main_test.go
// checks each entry against text/template), and caller.go leaves out the
// lookup that cannot succeed in a browser (FirstCaller returns
// CallerTypeNone, as it does there with Ebiten's file). Measured on the SIMD
// page binary, 2026-11-30: 15.59 → 11.8 MB, gzip -6 3.42 → 3.08 MB.
//
// A build overlay (go build -overlay) would be lighter, but the go command
// refuses to overlay files in the module cache; hence the copy, made once
// per Ebiten version (25 MB) and refreshed in its three files every run.
//
// Usage:
//
//	go run ./cmd/leanebiten -out .cache/leanebiten
//
// prints the path of the go.mod to build with. If Ebiten's files no longer
// have the shape this program rewrites (a new Ebiten release), it stops with
// the file and what it did not find, and the build stops with it.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// ebitenModule is the module whose copy is made lean.
const ebitenModule = "github.com/hajimehoshi/ebiten/v2"

// shaderFiles are the files, relative to Ebiten's module root, whose
// template is executed at build time.
var shaderFiles = []string{"internal/builtinshader/shader.go", "internal/colormshader/shader.go"}

// callerFile is the file whose go/build lookup is left out.
const callerFile = "internal/debug/caller.go"

func main() {
	out := flag.String("out", ".cache/leanebiten", "directory for the copy of Ebiten and page.mod")
	flag.Parse()
	path, err := run(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leanebiten:", err)
		os.Exit(1)
	}
	fmt.Println(path)
}

// run makes the lean copy of the Ebiten that go.mod requires under dir and
// writes dir/page.mod (go.mod with a replace directive to the copy) and
// dir/page.sum; it returns the path of page.mod.
func run(dir string) (string, error) {
	root, err := moduleDir(ebitenModule)
	if err != nil {
		return "", err
	}
	gomod, err := goList("env", "GOMOD")
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	dst := filepath.Join(abs, filepath.Base(root)) // v2@v2.10.4
	if err := copyOnce(root, dst); err != nil {
		return "", err
	}
	if err := rewrite(root, dst); err != nil {
		return "", err
	}
	mod, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	sum, err := os.ReadFile(strings.TrimSuffix(gomod, ".mod") + ".sum")
	if err != nil {
		return "", err
	}
	mod = fmt.Appendf(mod, "\n// Written by cmd/leanebiten: the page is built against a copy of Ebiten\n// without text/template and go/build.\nreplace %s => %s\n", ebitenModule, dst)
	page := filepath.Join(abs, "page.mod")
	if err := os.WriteFile(page, mod, 0o644); err != nil {
		return "", err
	}
	return page, os.WriteFile(filepath.Join(abs, "page.sum"), sum, 0o644)
}

// moduleDir downloads module mod at the version go.mod requires, if the
// module cache lacks it (a clean machine), and returns its directory.
func moduleDir(mod string) (string, error) {
	out, err := goList("mod", "download", "-json", mod)
	if err != nil {
		return "", err
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		return "", fmt.Errorf("go mod download -json %s: %w", mod, err)
	}
	if m.Error != "" || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %q", mod, m.Error)
	}
	return m.Dir, nil
}

// goList runs the go command with args and returns its trimmed output.
func goList(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(b)), nil
}

// copyOnce copies the module tree root to dst unless a complete copy is
// already there (marked by dst/.leanebiten-copied); files are made writable.
func copyOnce(root, dst string) error {
	mark := filepath.Join(dst, ".leanebiten-copied")
	if _, err := os.Stat(mark); err == nil {
		return nil
	}
	tmp := dst + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.CopyFS(tmp, os.DirFS(root)); err != nil {
		return fmt.Errorf("copying %s: %w", root, err)
	}
	if err := filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if d.IsDir() {
			mode = 0o755
		}
		return os.Chmod(p, mode)
	}); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".leanebiten-copied"), nil, 0o644); err != nil {
		return err
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// rewrite writes the three lean files from the originals under root into
// the copy dst.
func rewrite(root, dst string) error {
	gen := func(rel string, f func(string, []byte) ([]byte, error)) error {
		orig := filepath.Join(root, filepath.FromSlash(rel))
		src, err := os.ReadFile(orig)
		if err != nil {
			return err
		}
		b, err := f(orig, src)
		if err != nil {
			return fmt.Errorf("%s: %w (Ebiten changed? update cmd/leanebiten)", orig, err)
		}
		return os.WriteFile(filepath.Join(dst, filepath.FromSlash(rel)), b, 0o644)
	}
	for _, rel := range shaderFiles {
		if err := gen(rel, shaderFile); err != nil {
			return err
		}
	}
	return gen(callerFile, callerWithoutBuild)
}

// edit replaces the bytes [from, to) of a source file.
type edit struct {
	from, to int
	text     string
}

// apply applies non-overlapping edits to src.
func apply(src []byte, edits []edit) []byte {
	slices.SortFunc(edits, func(a, b edit) int { return b.from - a.from })
	out := slices.Clone(src)
	for _, e := range edits {
		out = slices.Concat(out[:e.from], []byte(e.text), out[e.to:])
	}
	return out
}

// header marks a generated file (https://go.dev/s/generatedcode).
func header(orig, what string) string {
	rel := filepath.ToSlash(orig)
	if i := strings.Index(rel, "github.com/"); i >= 0 {
		rel = rel[i:]
	}
	return "// Code generated by cmd/leanebiten from " + rel + "; DO NOT EDIT.\n// " + what + "\n\n"
}

// shaderFile rewrites one of Ebiten's shader.go files: the package-level
// `var tmpl = template.Must(template.New(…).Parse(…))` becomes
// `var tmplSources = [FilterCount][AddressCount]string{…}` holding the
// template executed for every filter and address, and ShaderSource returns
// (and caches, as before) the entry instead of executing the template.
func shaderFile(orig string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, orig, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check(f.Name.Name, fset, []*ast.File{f}, info)
	if err != nil {
		return nil, fmt.Errorf("type-checking: %w", err)
	}
	text, spec, err := templateText(f)
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("tmpl").Parse(text)
	if err != nil {
		return nil, err
	}
	fn := funcDecl(f, "ShaderSource")
	if fn == nil {
		return nil, errors.New("no func ShaderSource")
	}
	if p := fn.Type.Params.List; len(p) != 2 || len(p[0].Names) != 1 || p[0].Names[0].Name != "filter" ||
		len(p[1].Names) != 1 || p[1].Names[0].Name != "address" {
		return nil, errors.New("ShaderSource's parameters are not (filter Filter, address Address)")
	}
	fields, err := templateFields(fn, info)
	if err != nil {
		return nil, err
	}
	nf, err := constInt(pkg, "FilterCount")
	if err != nil {
		return nil, err
	}
	na, err := constInt(pkg, "AddressCount")
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"shaders", "shadersM"} {
		if pkg.Scope().Lookup(name) == nil {
			return nil, fmt.Errorf("no package-level %s", name)
		}
	}
	table, err := executeAll(tmpl, fields, nf, na)
	if err != nil {
		return nil, err
	}

	var lit strings.Builder
	lit.WriteString("[FilterCount][AddressCount]string{\n")
	for fi := range table {
		lit.WriteString("\t{\n")
		for _, s := range table[fi] {
			lit.WriteString("\t\t" + strconv.Quote(s) + ",\n")
		}
		lit.WriteString("\t},\n")
	}
	lit.WriteString("}")
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	edits := []edit{
		{off(spec.Names[0].Pos()), off(spec.Names[0].End()), "tmplSources"},
		{off(spec.Values[0].Pos()), off(spec.Values[0].End()), lit.String()},
		{off(fn.Body.Pos()), off(fn.Body.End()), `{
	shadersM.Lock()
	defer shadersM.Unlock()

	if s := shaders[filter][address]; s != nil {
		return s
	}

	b := []byte(tmplSources[filter][address])
	shaders[filter][address] = b
	return b
}`},
	}
	return finish(orig, apply(src, edits), "text/template",
		"The shader template is executed at build time into tmplSources; text/template is not linked.")
}

// templateText finds `var tmpl = template.Must(template.New(…).Parse(`…`))`
// and returns the template's text and its spec.
func templateText(f *ast.File) (string, *ast.ValueSpec, error) {
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) != 1 || vs.Names[0].Name != "tmpl" || len(vs.Values) != 1 {
				continue
			}
			must, ok := vs.Values[0].(*ast.CallExpr)
			if !ok || len(must.Args) != 1 {
				break
			}
			parse, ok := must.Args[0].(*ast.CallExpr)
			if !ok || len(parse.Args) != 1 {
				break
			}
			if sel, ok := parse.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Parse" {
				break
			}
			bl, ok := parse.Args[0].(*ast.BasicLit)
			if !ok || bl.Kind != token.STRING {
				break
			}
			s, err := strconv.Unquote(bl.Value)
			return s, vs, err
		}
	}
	return "", nil, errors.New("no var tmpl = template.Must(template.New(…).Parse(\"…\"))")
}

// funcDecl returns the top-level function name in f, or nil.
func funcDecl(f *ast.File, name string) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == name {
			return fn
		}
	}
	return nil
}

// templateField is one field of the data ShaderSource passes to the
// template: either a parameter (filter or address) or a constant.
type templateField struct {
	name  string
	param string // "filter" or "address", or "" for a constant
	value int64  // the constant's value
}

// templateFields reads the composite literal ShaderSource passes to
// tmpl.Execute: each field is the parameter filter or address, or a
// package constant whose value is taken from the type checker.
func templateFields(fn *ast.FuncDecl, info *types.Info) ([]templateField, error) {
	var lit *ast.CompositeLit
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if lit != nil {
			return false
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Execute" || len(call.Args) != 2 {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "tmpl" {
			return true
		}
		lit, _ = call.Args[1].(*ast.CompositeLit)
		return false
	})
	if lit == nil {
		return nil, errors.New("ShaderSource does not call tmpl.Execute(w, struct{…}{…})")
	}
	var fields []templateField
	for _, e := range lit.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return nil, errors.New("the template's data is not a keyed struct literal")
		}
		key, ok := kv.Key.(*ast.Ident)
		if !ok {
			return nil, errors.New("the template's data has a key that is not a field name")
		}
		id, ok := kv.Value.(*ast.Ident)
		if !ok {
			return nil, fmt.Errorf("field %s is not an identifier", key.Name)
		}
		switch obj := info.Uses[id].(type) {
		case *types.Var:
			if id.Name != "filter" && id.Name != "address" {
				return nil, fmt.Errorf("field %s is the variable %s", key.Name, id.Name)
			}
			fields = append(fields, templateField{name: key.Name, param: id.Name})
		case *types.Const:
			v, ok := constantInt(obj)
			if !ok {
				return nil, fmt.Errorf("field %s: %s is not an integer constant", key.Name, id.Name)
			}
			fields = append(fields, templateField{name: key.Name, value: v})
		default:
			return nil, fmt.Errorf("field %s: %s is neither a parameter nor a constant", key.Name, id.Name)
		}
	}
	return fields, nil
}

// constInt returns the value of the package-level integer constant name.
func constInt(pkg *types.Package, name string) (int, error) {
	c, ok := pkg.Scope().Lookup(name).(*types.Const)
	if !ok {
		return 0, fmt.Errorf("no constant %s", name)
	}
	v, ok := constantInt(c)
	if !ok || v < 1 || v > 64 {
		return 0, fmt.Errorf("%s = %v", name, c.Val())
	}
	return int(v), nil
}

func constantInt(c *types.Const) (int64, bool) {
	v, err := strconv.ParseInt(c.Val().ExactString(), 10, 64)
	return v, err == nil
}

// executeAll executes tmpl for every filter in [0, nf) and address in
// [0, na) with the fields' values, as ShaderSource would.
func executeAll(tmpl *template.Template, fields []templateField, nf, na int) ([][]string, error) {
	table := make([][]string, nf)
	for fi := range nf {
		table[fi] = make([]string, na)
		for ai := range na {
			data := map[string]int64{}
			for _, fd := range fields {
				switch fd.param {
				case "filter":
					data[fd.name] = int64(fi)
				case "address":
					data[fd.name] = int64(ai)
				default:
					data[fd.name] = fd.value
				}
			}
			var buf bytes.Buffer
			if err := tmpl.Execute(&buf, data); err != nil {
				return nil, err
			}
			table[fi][ai] = buf.String()
		}
	}
	return table, nil
}

// callerWithoutBuild rewrites internal/debug/caller.go: the body of the
// function literal given to sync.Once.Do that asks go/build for Ebiten's
// directory is emptied, so ebitengineFileDir stays "" and FirstCaller
// returns CallerTypeNone — what it returns in a browser, where go/build
// finds no files — and go/build is no longer imported.
func callerWithoutBuild(orig string, src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, orig, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var body *ast.BlockStmt
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || body != nil {
			return body == nil
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Do" || len(call.Args) != 1 {
			return true
		}
		if lit, ok := call.Args[0].(*ast.FuncLit); ok && uses(lit.Body, "build") {
			body = lit.Body
		}
		return body == nil
	})
	if body == nil {
		return nil, errors.New("no once.Do(func() { … build.… }) in FirstCaller")
	}
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	out := apply(src, []edit{{off(body.Pos()), off(body.End()),
		"{\n\t\t// Left out by cmd/leanebiten: go/build finds no files in a browser.\n\t}"}})
	return finish(orig, out, "go/build",
		"FirstCaller's go/build lookup, which finds nothing in a browser, is left out; go/build is not linked.")
}

// finish drops the import path gone (and any import the edits left unused),
// checks that the package name gone's last element is no longer referred to,
// formats the source and puts the generated-code header on it.
func finish(orig string, src []byte, gone, what string) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, orig, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("after the rewrite: %w", err)
	}
	var edits []edit
	found := false
	for _, is := range f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if is.Name != nil {
			name = is.Name.Name
		}
		if p == gone {
			found = true
			if uses(f, name) {
				return nil, fmt.Errorf("%s is still used after the rewrite", gone)
			}
		}
		if p == gone || (name != "_" && name != "." && !uses(f, name)) {
			from := fset.Position(is.Pos()).Offset
			to := fset.Position(is.End()).Offset
			edits = append(edits, edit{from, to, ""})
		}
	}
	if !found {
		return nil, fmt.Errorf("does not import %s", gone)
	}
	out := append([]byte(header(orig, what)), apply(src, edits)...)
	return format.Source(out)
}

// uses reports whether n refers to the package name pkg (pkg.X).
func uses(n ast.Node, pkg string) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == pkg {
				found = true
			}
		}
		return !found
	})
	return found
}
