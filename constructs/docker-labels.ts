/** A Docker label as kreuzwerker/docker takes it (`labels { label = ..., value = ... }`). */
export interface DockerLabel {
  label: string;
  value: string;
}

/** Labels as the provider takes them, in the map's order. */
export function renderLabels(labels: Readonly<Record<string, string>>): DockerLabel[] {
  return Object.entries(labels).map(([label, value]) => ({ label, value }));
}
