import type { FormInstance } from "antd";
import { describe, expect, it } from "vitest";
import { resourceField, splitPath } from "./field-paths";

/** The one method resourceField asks of a form: the fields it shows, by name path. */
function showing(...names: string[]): FormInstance {
  return {
    getFieldsError: () => names.map((n) => ({ name: [n], errors: [], warnings: [] })),
  } as unknown as FormInstance;
}

describe("splitPath", () => {
  it("splits dots and indexes", () => {
    expect(splitPath("spec.rules[0].ports[1]")).toEqual(["spec", "rules", 0, "ports", 1]);
  });
});

describe("resourceField", () => {
  const fieldOf = resourceField(showing("name", "cidr", "labels", "portFrom"), {
    listenPortRange: "portFrom",
  });

  it("maps spec and metadata fields to the form field of the same name", () => {
    expect(fieldOf(splitPath("spec.cidr"))).toEqual(["cidr"]);
    expect(fieldOf(splitPath("metadata.name"))).toEqual(["name"]);
    expect(fieldOf(splitPath("metadata.labels.tier"))).toEqual(["labels"]);
  });

  it("follows an alias to the field that shows the value", () => {
    expect(fieldOf(splitPath("spec.listenPortRange.to"))).toEqual(["portFrom"]);
  });

  it("leaves to the alert what no shown field takes", () => {
    expect(fieldOf(splitPath("spec.hubs[0]"))).toBeUndefined();
    expect(fieldOf(splitPath("kind"))).toBeUndefined();
    expect(fieldOf(splitPath("spec"))).toBeUndefined();
  });
});
