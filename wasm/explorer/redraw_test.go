package explorer

import (
	"image"
	"testing"
)

// A page like the wide layout: plane on the left, reconstructions under it,
// the sample, legend and chart in a column on the right.
func testFeet() (feet, nominal [numParts]image.Rectangle) {
	nominal[partPlane] = image.Rect(20, 0, 620, 640)
	nominal[partRecon] = image.Rect(28, 640, 620, 764)
	nominal[partSample] = image.Rect(636, 16, 936, 400)
	nominal[partLegend] = image.Rect(636, 400, 936, 470)
	nominal[partChart] = image.Rect(636, 470, 936, 784)
	feet = nominal
	feet[partPlane] = image.Rect(22, 4, 626, 641)   // the ring past the edge
	feet[partRecon] = image.Rect(28, 638, 600, 760) // its title's margin meets the plane's
	feet[partLegend] = image.Rect(636, 405, 900, 455)
	feet[partChart] = image.Rect(636, 475, 936, 782)
	return feet, nominal
}

var screenBounds = image.Rect(0, 0, 1280, 800)

func TestPlanRedrawChartOnly(t *testing.T) {
	feet, nominal := testFeet()
	plan := planRedraw(&feet, &nominal, partSet(partChart), screenBounds)
	if len(plan) != 1 || plan[0].r != nominal[partChart].Union(feet[partChart]) || plan[0].parts != partSet(partChart) {
		t.Fatalf("chart-only plan: %+v", plan)
	}
	now := feet
	if !redrawOK(plan, &feet, &now, partSet(partChart)) {
		t.Error("an unchanged footprint is not faithful")
	}
	now[partChart] = image.Rect(600, 475, 936, 782) // drew past what was cleared
	if redrawOK(plan, &feet, &now, partSet(partChart)) {
		t.Error("a chart drawn outside its rectangle was accepted")
	}
}

// Whatever meets a cleared rectangle is drawn into it again: the plane's
// rectangle touches the reconstructions' title, so they are redrawn too.
func TestPlanRedrawNeighbours(t *testing.T) {
	feet, nominal := testFeet()
	plan := planRedraw(&feet, &nominal, partSet(partPlane, partSample), screenBounds)
	var drawn parts
	for _, c := range plan {
		drawn |= c.parts
		for p := range numParts {
			if feet[p].Overlaps(c.r) && !c.parts.has(p) {
				t.Errorf("part %d meets rectangle %v but is not drawn in it", p, c.r)
			}
		}
	}
	if !drawn.has(partPlane) || !drawn.has(partSample) || !drawn.has(partRecon) || drawn.has(partChart) {
		t.Errorf("drawn %b, want the plane, the sample and the reconstructions but not the chart", drawn)
	}
	// Overlapping rectangles are merged: none is cleared after another drew.
	for i := range plan {
		for j := i + 1; j < len(plan); j++ {
			if plan[i].r.Overlaps(plan[j].r) {
				t.Errorf("rectangles %v and %v overlap", plan[i].r, plan[j].r)
			}
		}
	}
}

// A part that was not to change but drew elsewhere makes a full redraw.
func TestRedrawOKUnexpectedChange(t *testing.T) {
	feet, nominal := testFeet()
	dirty := partSet(partChart)
	plan := planRedraw(&feet, &nominal, dirty, screenBounds)
	now := feet
	now[partLegend] = image.Rect(636, 405, 930, 455)
	if redrawOK(plan, &feet, &now, dirty) {
		t.Error("a changed legend footprint was accepted in a chart-only redraw")
	}
}

func TestFootprint(t *testing.T) {
	var f footprint
	if !f.rect().Empty() {
		t.Error("an empty footprint is not empty")
	}
	f.add(10.5, 20.2, 30.1, 40)
	f.addPoint(5, 50)
	f.add(1, 1, 1, 1) // empty: ignored
	want := image.Rect(5-footMargin, 20-footMargin, 31+footMargin, 50+footMargin)
	if got := f.rect(); got != want {
		t.Errorf("rect %v, want %v", got, want)
	}
}
