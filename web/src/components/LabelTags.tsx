/** A resource's labels as `key=value` tags, wrapping in a table cell. */
import { Space, Tag } from "antd";

export function LabelTags({ labels }: { labels: Readonly<Record<string, string>> | undefined }) {
  return (
    <Space size={[0, 4]} wrap>
      {Object.entries(labels ?? {}).map(([k, v]) => (
        <Tag key={k}>{`${k}=${v}`}</Tag>
      ))}
    </Space>
  );
}
