/**
 * The fields of a page's filter bar (nodes, audit): cleared with one click, named for screen
 * readers by their label, placeholder the label unless told otherwise.
 */
import { Input, Select, type SelectProps } from "antd";

interface FilterProps {
  /** What the field filters by: its accessible name. */
  label: string;
  /** Shown while empty; the label when absent. */
  placeholder?: string;
  width: number;
}

/** One of fixed values, or all when cleared. */
export function FilterSelect<V extends string>({
  label,
  placeholder,
  width,
  value,
  onChange,
  options,
}: FilterProps & {
  value: V | undefined;
  onChange(value: V | undefined): void;
  options: NonNullable<SelectProps<V>["options"]>;
}) {
  return (
    <Select<V>
      allowClear
      aria-label={label}
      placeholder={placeholder ?? label}
      style={{ width }}
      value={value}
      onChange={(v) => onChange(v)}
      options={options}
    />
  );
}

/** Free text; `onEnter` applies it when the bar has an apply button. */
export function FilterText({
  label,
  placeholder,
  width,
  value,
  onChange,
  onEnter,
}: FilterProps & { value: string | undefined; onChange(value: string): void; onEnter?: () => void }) {
  return (
    <Input
      allowClear
      aria-label={label}
      placeholder={placeholder ?? label}
      style={{ width }}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      onPressEnter={onEnter}
    />
  );
}
