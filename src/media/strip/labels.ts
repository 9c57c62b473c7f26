/**
 * The words dmshare uses to tell a user what it removed, in the order it lists them: the
 * ones that locate or identify a person first.
 */
export const LABELS = {
  gps: "GPS location",
  gpsOther: "GPS data",
  xmpLocation: "XMP location",
  iptcLocation: "IPTC location",
  videoLocation: "video location",
  serial: "camera serial number",
  lensSerial: "lens serial number",
  owner: "owner name",
  copyright: "copyright notice",
  uniqueId: "unique image ID",
  makerNotes: "camera maker notes",
  comments: "description and comments",
  thumbnail: "embedded thumbnail",
  motionVideo: "motion-photo video",
  camera: "camera make and model",
  software: "software name",
  dates: "date and time taken",
  settings: "camera settings",
  xmp: "XMP metadata",
  iptc: "Photoshop/IPTC data",
  exif: "EXIF data",
  text: "text fields",
  appended: "data appended after the image",
  other: "other embedded data",
} as const;

export type Label = (typeof LABELS)[keyof typeof LABELS];

const ORDER: string[] = Object.values(LABELS);

/** What was found in one file: labels for the user and whether any of it was a location. */
export class Findings {
  readonly labels = new Set<Label>();
  hadLocation = false;
  /** Set when something could not be removed; the first sentence wins. */
  notRemoved: string | undefined;
  /** True when location data is known to remain in the copy. */
  locationRemains = false;
  /** Sentences the user is told about what happened to this file (e.g. a motion photo's video dropped). */
  readonly notes: string[] = [];

  add(label: Label, isLocation = false): void {
    this.labels.add(label);
    if (isLocation) this.hadLocation = true;
  }

  merge(other: Findings): void {
    for (const label of other.labels) this.labels.add(label);
    this.hadLocation ||= other.hadLocation;
    this.locationRemains ||= other.locationRemains;
    this.notRemoved ??= other.notRemoved;
    for (const note of other.notes) this.note(note);
  }

  note(sentence: string): void {
    if (!this.notes.includes(sentence)) this.notes.push(sentence);
  }

  cannotRemove(sentence: string, isLocation: boolean): void {
    this.notRemoved ??= sentence;
    if (isLocation) {
      this.hadLocation = true;
      this.locationRemains = true;
    }
  }

  sorted(): string[] {
    // A generic label adds nothing when a specific one already says what went.
    const labels = [...this.labels].filter(
      (label) => !(label === LABELS.gpsOther && this.labels.has(LABELS.gps)),
    );
    return labels.sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  }
}
