/**
 * Creating a token (API token, join token): a dialog for its few fields, then the secret the
 * answer carries, shown once. The hook holds the state; `TokenDialogs` shows both dialogs.
 */
import { Form, type FormInstance } from "antd";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { SecretOnce } from "./SecretOnce";
import { FormModal, type Submit, topFields, useSubmit } from "./use-submit";

export interface TokenCreate<V> {
  readonly form: FormInstance<V>;
  readonly submit: Submit;
  readonly open: boolean;
  /** The secret of the token just made; undefined once its dialog is closed. */
  readonly secret: string | undefined;
  /** Opens the dialog with the defaults and no error. */
  start(): void;
  close(): void;
  forget(): void;
}

export function useTokenCreate<V>(options: {
  readonly send: (values: V) => Promise<{ token: string }>;
  /** The body's top-level fields, each shown by the form field of the same name. */
  readonly fields: readonly string[];
  readonly defaults: Partial<V>;
  /** After a token was made (reload the list). */
  readonly onCreated: () => void;
}): TokenCreate<V> {
  const [form] = Form.useForm<V>();
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string>();
  const submit = useSubmit(form, {
    send: options.send,
    fieldOf: topFields(options.fields),
    onDone: (r) => {
      setOpen(false);
      setSecret(r.token);
      options.onCreated();
    },
  });
  return {
    form,
    submit,
    open,
    secret,
    start() {
      form.resetFields();
      submit.reset();
      form.setFieldsValue(options.defaults as Parameters<typeof form.setFieldsValue>[0]);
      setOpen(true);
    },
    close: () => setOpen(false),
    forget: () => setSecret(undefined),
  };
}

/** The create dialog (its fields are the children) and the shown-once dialog after it. */
export function TokenDialogs<V>({
  create,
  title,
  createdTitle,
  children,
  shown,
}: {
  create: TokenCreate<V>;
  title: string;
  createdTitle: string;
  children: ReactNode;
  /** More under the secret (a join token's install commands). */
  shown?: (secret: string) => ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <>
      <FormModal
        submit={create.submit}
        open={create.open}
        title={title}
        onCancel={create.close}
        okText={t("joinTokens.createOk")}
      >
        <Form form={create.form} layout="vertical">
          {children}
        </Form>
      </FormModal>
      <SecretOnce title={createdTitle} secret={create.secret} onClose={create.forget}>
        {create.secret && shown ? shown(create.secret) : null}
      </SecretOnce>
    </>
  );
}
