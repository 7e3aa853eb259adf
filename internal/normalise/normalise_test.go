package normalise

import (
	"reflect"
	"testing"
)

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Children and Families Overview and Scrutiny Committee": "children-and-families-overview-and-scrutiny-committee",
		"Children & Young People's Social Care":                 "children-and-young-peoples-social-care",
		"Café  Committee – 2022/23":                             "cafe-committee-2022-23",
		"21/47":                                                 "21-47",
		"":                                                      "",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDateAndClock(t *testing.T) {
	for in, want := range map[string]string{
		"Tuesday, 3 September 2019 2.00 pm": "2019-09-03",
		"Monday 21st March, 2022 4.00 pm":   "2022-03-21",
		"16 May 2018":                       "2018-05-16",
		"31 June 2020":                      "",
		"no date here":                      "",
	} {
		if got, _ := Date(in); got != want {
			t.Errorf("Date(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"2.00 pm": "14:00", "10.00 am": "10:00", "12.30pm": "12:30", "12 am": "00:00", "18:30": "18:30", "4pm": "16:00", "25:00": ""} {
		if got, _ := Clock(in); got != want {
			t.Errorf("Clock(%q) = %q, want %q", in, got, want)
		}
	}
	if !IsOtherMeetingDate("The minutes of the meeting held on ") || !IsOtherMeetingDate("the next meeting will take place on ") || IsOtherMeetingDate("Cabinet - Tuesday, ") {
		t.Error("IsOtherMeetingDate")
	}
}

func TestCutShortAndFurniture(t *testing.T) {
	text, cut := CutShort("delivering  ...  view the full minutes text for item 15.")
	if !cut || text != "delivering" {
		t.Errorf("CutShort = %q, %v", text, cut)
	}
	if _, cut := CutShort("the full minutes were read"); cut {
		t.Error("false cut-short marker")
	}
	if got := Title("Minutes. pdf icon PDF 186 KB"); got != "Minutes." {
		t.Errorf("Title = %q", got)
	}
	if got := Line(StripFurniture("Venue: County Hall. View directions")); got != "Venue: County Hall." {
		t.Errorf("StripFurniture = %q", got)
	}
}

func TestResolutions(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"The report was discussed.\n\nRESOLVED:\n\nThat the report be noted.", []string{"That the report be noted."}},
		{"RESOLVED: a)\n\nThat the report be noted.\n\nb) That members submit views.", []string{"a)\nThat the report be noted.\nb) That members submit views."}},
		{"Resolved that the plan be approved.", []string{"the plan be approved."}},
		{"AGREED that a further report be brought.", []string{"that a further report be brought."}},
		{"The minutes were agreed as a correct record.", nil},
		{"It was agreed that the Panel should consider the plan.", nil},
		{"NOTED", nil},
	} {
		if got := Resolutions(tc.text); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Resolutions(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestParagraphs(t *testing.T) {
	got := Paragraphs("First  line\nwraps here.\n\n\n\n• a bullet\n\nA webcast of the meeting can be viewed at [insert link].")
	if got != "First line wraps here.\n\n• a bullet" {
		t.Errorf("Paragraphs = %q", got)
	}
}
