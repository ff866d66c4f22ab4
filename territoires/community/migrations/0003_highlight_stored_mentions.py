"""Messages stored before mentions were highlighted: their HTML gets the highlight of the people they
recorded as mentioned (the Mention rows), rendered by the same functions as a new message."""

from django.db import migrations


def highlight_existing(apps, schema_editor):
    from territoires.community.mentions import highlight_mentions, resolve_mention_texts
    from territoires.core.markdown import render_markdown

    Message = apps.get_model("community", "Message")
    Mention = apps.get_model("community", "Mention")
    User = apps.get_model("accounts", "User")
    mentioned = {}
    for message_id, user_id in Mention.objects.values_list("message_id", "user_id").iterator(chunk_size=2000):
        mentioned.setdefault(message_id, []).append(user_id)
    for message in Message.objects.filter(pk__in=list(mentioned)).only("id", "body").iterator(chunk_size=500):
        texts = resolve_mention_texts(
            message.body, can_read=lambda user: True, people=User.objects.filter(pk__in=mentioned[message.pk])
        )
        if texts:
            html = highlight_mentions(render_markdown(message.body), texts)
            Message.objects.filter(pk=message.pk).update(body_html=html)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_message_body_html"),
    ]

    operations = [migrations.RunPython(highlight_existing, migrations.RunPython.noop)]
