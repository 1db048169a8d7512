/**
 * A page's title (the page's one h1) with its actions on the right; `create` is the page's
 * primary "new …" button, after the other actions, shown only when given (roles that may write).
 */
import { PlusOutlined } from "@ant-design/icons";
import { Button, Flex, Typography } from "antd";
import type { ReactNode } from "react";

export function PageHeader({
  title,
  extra,
  sub,
  create,
}: {
  title: string;
  extra?: ReactNode;
  sub?: ReactNode;
  create?: { label: string; onClick(): void };
}) {
  return (
    <Flex justify="space-between" align="center" wrap gap={12} style={{ marginBottom: 16 }}>
      <div>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {title}
        </Typography.Title>
        {sub ? <Typography.Text type="secondary">{sub}</Typography.Text> : null}
      </div>
      {extra || create ? (
        <Flex gap={8}>
          {extra}
          {create ? (
            <Button type="primary" icon={<PlusOutlined />} onClick={create.onClick}>
              {create.label}
            </Button>
          ) : null}
        </Flex>
      ) : null}
    </Flex>
  );
}
