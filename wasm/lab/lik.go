//go:build js && wasm

package lab

import (
	"fmt"
	"math"
	"syscall/js"

	"github.com/govae/govae/core"
	"github.com/govae/govae/wasm/view"
)

// Panel 5: the same short training under each likelihood, side by side.

// buildLikelihoodFigures adds a figure per likelihood run: its manifold,
// its test −ELBO in its own units, and a button to re-run it.
func (l *Lab) buildLikelihoodFigures() {
	d := l.dom
	box := d.El("lab-liks")
	box.Set("textContent", "")
	for _, r := range l.sweep.LikelihoodRuns() {
		fig := d.Doc.Call("createElement", "figure")
		img := d.Doc.Call("createElement", "img")
		img.Set("src", "assets/sweep/"+r.Manifold)
		img.Set("alt", fmt.Sprintf("Manifold after %d epochs with the %s likelihood", r.Epochs, likName(r.Likelihood)))
		img.Set("width", 220)
		img.Set("height", 220)
		img.Set("id", "lab-lik-img-"+r.Likelihood)
		link := d.Doc.Call("createElement", "a")
		link.Set("href", "assets/sweep/"+r.Manifold)
		link.Set("target", "_blank")
		link.Set("rel", "noopener")
		link.Set("title", "Open the manifold at full size")
		link.Call("appendChild", img)
		fig.Call("appendChild", link)
		cap := d.Doc.Call("createElement", "figcaption")
		title := d.Doc.Call("createElement", "strong")
		title.Set("textContent", capitalise(likName(r.Likelihood)))
		cap.Call("appendChild", title)
		line := func(s string) {
			cap.Call("appendChild", d.Doc.Call("createElement", "br"))
			cap.Call("appendChild", d.Doc.Call("createTextNode", s))
		}
		line(fmt.Sprintf("test −ELBO %s nats (recon %s + KL %s)", fmtShort(r.NegELBO), fmtShort(r.Recon), fmtShort(r.KL)))
		switch r.Likelihood {
		case "bernoulli":
			line("binary cross-entropy; nats ≥ 0")
		case "gaussian":
			line(fmt.Sprintf("σ = %s fixed: plain MSE with KL weight 2σ² = %s", fmtShort(r.Sigma), fmtShort(view.GaussianKLWeight(r.Sigma))))
		case "gaussian-learned":
			line(fmt.Sprintf("σ learned → %s, i.e. plain MSE with KL weight 2σ² = %s", fmtShort(r.LearnedSigma), fmtShort(view.GaussianKLWeight(r.LearnedSigma))))
		case "continuous-bernoulli":
			line("BCE − log C(λ): a density on [0, 1], so negative nats; its means are greyer than λ")
		}
		cap.Call("appendChild", d.Doc.Call("createElement", "br"))
		btn := d.Doc.Call("createElement", "button")
		btn.Set("type", "button")
		btn.Set("id", "lab-rerun-"+r.Likelihood)
		btn.Set("textContent", "Re-run live")
		btn.Call("setAttribute", "aria-label", "Re-run the "+likName(r.Likelihood)+" run live, from scratch")
		btn.Get("style").Set("marginTop", "4px")
		fn := js.FuncOf(func(js.Value, []js.Value) any {
			l.host.Post(func() { l.rerun(r) })
			return nil
		})
		d.Keep(fn)
		btn.Call("addEventListener", "click", fn)
		cap.Call("appendChild", btn)
		fig.Call("appendChild", cap)
		box.Call("appendChild", fig)
	}
}

// likUpdate says which likelihood the weights shown use, with the learned
// σ and the KL weight it implies.
func (l *Lab) likUpdate() {
	if l.now.Model == nil {
		return
	}
	m := l.now.Model
	lik := m.Likelihood
	msg := fmt.Sprintf("The weights shown (%s) use the %s likelihood", l.now.Label, likName(lik.Kind.String()))
	switch lik.Kind {
	case core.Gaussian:
		msg += fmt.Sprintf(" with σ = %s: like plain MSE at a KL weight of 2σ² = %s.", fmtShort(lik.Sigma), fmtShort(view.GaussianKLWeight(lik.Sigma)))
	case core.GaussianLearned:
		s := math.Exp(m.LogSigma())
		msg += fmt.Sprintf("; its learned σ is %s now: like plain MSE at a KL weight of 2σ² = %s.", fmtShort(s), fmtShort(view.GaussianKLWeight(s)))
	default:
		msg += "."
	}
	if l.now.Version == 0 || l.now.Pretrained {
		msg += " Choose a likelihood in the train panel, or re-run one of the figures above."
	}
	l.dom.SetText("lab-lik-now", msg)
}
